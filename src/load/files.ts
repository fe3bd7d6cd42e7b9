// Loading files: reader → header mapping (synonyms from the database, so a synonym added as a row
// works at once) → row normaliser → applySource. One file = one source = one transaction.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import type { Sql } from "../db/connection.js";
import { loadFieldDefs, mapHeaders, type ClientHeader, type Synonym } from "../ingest/headers.js";
import { makeRowNormaliser } from "../ingest/normalise.js";
import { readSource } from "../ingest/read/index.js";
import type { PreparedTable } from "../ingest/types.js";
import { applySource, type LoadResult } from "./applySource.js";

export interface FileLoadOptions {
  onProgress?: (rowsRead: number, bytesRead?: number) => void;
  maxRejectShare?: number;
  /** The name to record (defaults to the file's base name; never a full path of the server). */
  displayName?: string;
  /** The inbox: the file must resolve (symlinks and `..` followed) to a path inside it. */
  root?: string;
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function headerContext(sql: Sql, clientId: string): Promise<{ synonyms: Synonym[]; clientMap: ClientHeader[] }> {
  const synonyms = await sql<Synonym[]>`select synonym, field, table_kind as "table" from fleet.column_synonyms order by synonym, field`;
  const clientMap = await sql<ClientHeader[]>`select header, field from fleet.client_column_map where client_id = ${clientId} order by header`;
  return { synonyms: [...synonyms], clientMap: [...clientMap] };
}

export function maxRejectShareFromEnv(): number {
  const v = Number(process.env.FLEETSIGHT_MAX_REJECT_SHARE ?? "0.05");
  return Number.isFinite(v) && v >= 0 && v <= 1 ? v : 0.05;
}

export async function loadFile(sql: Sql, clientId: string, path: string, opts: FileLoadOptions = {}): Promise<LoadResult> {
  const name = opts.displayName ?? basename(path);
  const fields = loadFieldDefs();
  const ctx = await headerContext(sql, clientId);
  let digest: string | null = null;
  try {
    digest = await sha256(path);
  } catch {
    // Unreadable files are reported by the reader with a better message.
  }
  return applySource(sql, {
    clientId,
    kind: "file",
    name,
    sha256: digest,
    maxRejectShare: opts.maxRejectShare ?? maxRejectShareFromEnv(),
    onProgress: opts.onProgress,
    open: async (): Promise<PreparedTable[]> => {
      const tables = await readSource(path, { displayName: name, root: opts.root });
      return tables.map((table) => {
        const mapping = mapHeaders(table.headers, ctx.synonyms, ctx.clientMap, fields, table.kindHint);
        return {
          table,
          kind: mapping.kind,
          normalise: makeRowNormaliser(mapping, fields),
          report: { mapping: mapping.mapping, unknown_columns: mapping.unknown, kind_reason: mapping.kindReason },
        };
      });
    },
  });
}
