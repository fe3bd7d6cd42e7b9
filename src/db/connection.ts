// The app's one postgres (porsager) instance. numeric and bigint arrive as strings (exact money);
// callers parse them deliberately.
import postgres from "postgres";
import { databaseUrl } from "./url.js";

export type Sql = postgres.Sql<Record<string, never>>;

let shared: Sql | null = null;

export function connect(url: string, opts: { max?: number; appName?: string } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 4,
    onnotice: () => {},
    connect_timeout: 15,
    connection: { application_name: opts.appName ?? "fleetsight" },
  }) as unknown as Sql;
}

/** The shared instance for this process, connecting to DATABASE_URL or the embedded database. */
export async function db(): Promise<Sql> {
  if (!shared) shared = connect(await databaseUrl());
  return shared;
}

export async function closeDb(): Promise<void> {
  if (shared) {
    const s = shared;
    shared = null;
    await s.end({ timeout: 5 });
  }
}
