import { ensureEmbedded } from "./embedded.js";

/** The database in use: DATABASE_URL when set, else the embedded cluster (started on demand). */
export async function databaseUrl(): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (url && url.trim() !== "") return url;
  return ensureEmbedded();
}

export function usingEmbedded(): boolean {
  return !process.env.DATABASE_URL || process.env.DATABASE_URL.trim() === "";
}
