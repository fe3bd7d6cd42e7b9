// A client's load job: its inbox files (or the files named in the payload) and, when linked, its
// own database. With neither, nothing to do — success, not a retry storm.
import type { Sql } from "../db/connection.js";
import { inboxDir } from "../paths.js";
import { log } from "../log.js";
import { SourceError } from "../ingest/types.js";
import { applySource, type LoadResult } from "./applySource.js";
import { loadFile } from "./files.js";
import { archiveInboxFile, inboxFileByName, listInbox, type InboxFile } from "./inbox.js";

export interface ClientLoadOptions {
  /**
   * Files to load instead of the whole inbox. By default (job payloads) these are plain names of
   * files in the client's inbox — paths, `../`, symlinks are refused. With `localPaths` (the CLI,
   * run by the operator) they are paths on this machine.
   */
  files?: string[];
  localPaths?: boolean;
  full?: boolean;
  onProgress?: (rowsRead: number, bytesRead?: number) => void;
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

/** Load one inbox file and move it to .processed/ or .failed/ (never deleted). */
async function loadInboxFile(sql: Sql, f: InboxFile, opts: ClientLoadOptions): Promise<LoadResult> {
  const r = await loadFile(sql, f.clientId, f.path, { onProgress: opts.onProgress, displayName: f.name, root: inboxDir() });
  const ok = r.status === "ok" || r.status === "partial";
  const dest = await archiveInboxFile(f, ok, ok ? undefined : { load_id: r.loadId, file: f.name, status: r.status, error: r.error, first_rejects: r.report.first_rejects });
  log("info", "inbox file loaded", { client_id: f.clientId, file: f.name, status: r.status, moved_to: dest ?? "(already moved)" });
  return r;
}

export async function loadClient(sql: Sql, clientId: string, opts: ClientLoadOptions = {}): Promise<ClientLoadOutcome> {
  const exists = await sql`select 1 from fleet.clients where client_id = ${clientId}`;
  if (exists.length === 0) throw new Error(`unknown client "${clientId}"`);
  const results: LoadResult[] = [];
  if (opts.files && opts.files.length) {
    if (opts.localPaths) {
      for (const f of opts.files) results.push(await loadFile(sql, clientId, f, { onProgress: opts.onProgress }));
      return { results, nothingToLoad: false };
    }
    const known = await knownClients(sql);
    for (const name of opts.files) {
      const found = await inboxFileByName(clientId, name, inboxDir(), known);
      if (found.file) {
        results.push(await loadInboxFile(sql, found.file, opts));
      } else {
        // Recorded like any refused source, so the person sees why in fleet.loads.
        const reason = found.reason ?? "not found";
        results.push(
          await applySource(sql, {
            clientId,
            kind: "file",
            name: name.replace(/[\u0000-\u001f]/g, "?").slice(0, 200),
            open: async () => {
              throw new SourceError(reason, "bad_file_name");
            },
          }),
        );
      }
    }
    return { results, nothingToLoad: false };
  }
  if (databaseLoader) {
    const r = await databaseLoader(sql, clientId, { full: opts.full });
    if (r) results.push(r);
  }
  for (const f of await listInbox(clientId, inboxDir(), Date.now(), await knownClients(sql))) results.push(await loadInboxFile(sql, f, opts));
  return { results, nothingToLoad: results.length === 0 };
}

async function knownClients(sql: Sql): Promise<Set<string>> {
  return new Set((await sql<{ client_id: string }[]>`select client_id from fleet.clients`).map((r) => r.client_id));
}
