import { databaseUrl } from "../../db/url.js";
import { migrateDatabase } from "../../db/migrate.js";
import { parse } from "../args.js";

export async function migrateCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: "boolean" }, current: { type: "boolean" } });
  const t0 = performance.now();
  const r = await migrateDatabase(await databaseUrl(), { includeCurrent: !!values.current });
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(values.json ? JSON.stringify({ ok: true, reference_rows: r.referenceRows, ms }) + "\n" : `migrated (graphile-worker schema, fleet schema, ${r.referenceRows} reference rows) in ${ms} ms\n`);
  return 0;
}
