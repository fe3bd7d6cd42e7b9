// A client's load job: its inbox files (or the files named in the payload) and, when linked, its
// own database. With neither, nothing to do — success, not a retry storm.
import type { Sql } from "../db/connection.js";
import { log } from "../log.js";
import type { LoadResult } from "./applySource.js";
import { loadFile } from "./files.js";
import { archiveInboxFile, listInbox } from "./inbox.js";

export interface ClientLoadOptions {
  files?: string[];
  full?: boolean;
  onProgress?: (rowsRead: number) => void;
}

export interface ClientLoadOutcome {
  results: LoadResult[];
  nothingToLoad: boolean;
}

/** Hook for linked client databases (src/sources); null when the client has none. */
export type DatabaseLoader = (sql: Sql, clientId: string, opts: { full?: boolean }) => Promise<LoadResult | null>;
let databaseLoader: DatabaseLoader | null = null;
export function setDatabaseLoader(fn: DatabaseLoader): void {
  databaseLoader = fn;
}

export async function loadClient(sql: Sql, clientId: string, opts: ClientLoadOptions = {}): Promise<ClientLoadOutcome> {
  const exists = await sql`select 1 from fleet.clients where client_id = ${clientId}`;
  if (exists.length === 0) throw new Error(`unknown client "${clientId}"`);
  const results: LoadResult[] = [];
  if (opts.files && opts.files.length) {
    for (const f of opts.files) results.push(await loadFile(sql, clientId, f, { onProgress: opts.onProgress }));
    return { results, nothingToLoad: false };
  }
  if (databaseLoader) {
    const r = await databaseLoader(sql, clientId, { full: opts.full });
    if (r) results.push(r);
  }
  for (const f of await listInbox(clientId)) {
    const r = await loadFile(sql, clientId, f.path, { onProgress: opts.onProgress, displayName: f.name });
    const ok = r.status === "ok" || r.status === "partial";
    const dest = await archiveInboxFile(f, ok, ok ? undefined : { load_id: r.loadId, status: r.status, error: r.error, first_rejects: r.report.first_rejects });
    log("info", "inbox file loaded", { client_id: clientId, file: f.name, status: r.status, moved_to: dest });
    results.push(r);
  }
  return { results, nothingToLoad: results.length === 0 };
}
