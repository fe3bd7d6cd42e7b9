// Loading a client's own database (fleet.clients.source_url): reader (PostgreSQL or MySQL) → the
// same header mapping, row normaliser and applySource as files — one code path, same rejects, same
// load semantics. Incremental: the expenses table is read from (last loaded date − safety window)
// unless `full`; the vehicles table (no date) is read whole. Nothing is ever written to the client
// database; its URL and password never leave this module except to the driver.
import type { Sql } from "../db/connection.js";
import { loadFieldDefs, mapHeaders } from "../ingest/headers.js";
import { makeRowNormaliser } from "../ingest/normalise.js";
import { SourceError, type PreparedTable, type TableKind } from "../ingest/types.js";
import { applySource, type LoadResult } from "../load/applySource.js";
import { headerContext, maxRejectShareFromEnv } from "../load/files.js";
import { log } from "../log.js";
import { sourceSettings, type SourceSettings } from "./config.js";
import { MysqlReader } from "./mysql.js";
import { PostgresReader } from "./postgres.js";
import { describeDriverError, type RowFilter, type SourceReader } from "./reader.js";
import { minusDays, readSourceState, saveSourceState } from "./state.js";
import { makeScrubber, parseSourceUrl, type SourceUrl } from "./url.js";

export interface DatabaseLoadOptions {
  full?: boolean;
  onProgress?: (rowsRead: number) => void;
}

/** A reader for a parsed URL (not connected yet). */
export function makeReader(src: SourceUrl, settings: SourceSettings = sourceSettings()): SourceReader {
  return src.driver === "postgresql" ? new PostgresReader(src, settings) : new MysqlReader(src, settings);
}

interface TablePlan {
  role: TableKind;
  configured: string;
  readonly maxDate: string | null;
}

/** Load the client's linked database; null when it has none. */
export async function loadDatabaseSource(sql: Sql, clientId: string, opts: DatabaseLoadOptions = {}): Promise<LoadResult | null> {
  const [client] = await sql<{ source_url: string | null; source_vehicles_table: string; source_expenses_table: string }[]>`
    select source_url, source_vehicles_table, source_expenses_table from fleet.clients where client_id = ${clientId}`;
  if (!client || !client.source_url || !client.source_url.trim()) return null;
  const settings = sourceSettings();
  const full = !!opts.full;

  let src: SourceUrl | null = null;
  let urlError: Error | null = null;
  try {
    src = parseSourceUrl(client.source_url);
  } catch (e) {
    urlError = e instanceof Error ? e : new Error(String(e));
  }
  // Name safe to store and log: host and database only.
  const name = src?.display ?? "database (source_url unusable)";
  const scrub = makeScrubber(client.source_url, src?.password);
  const fields = loadFieldDefs();
  const ctx = await headerContext(sql, clientId);
  const state = full ? new Map() : await readSourceState(sql, clientId);
  const plans: TablePlan[] = [];
  const notes: string[] = [];
  const report: Record<string, unknown> = {
    database: { format: src?.driver ?? null, full, window_days: settings.windowDays, statement_timeout_ms: settings.statementTimeoutMs, notes },
  };
  let reader: SourceReader | null = null;

  try {
    const result = await applySource(sql, {
      clientId,
      kind: "database",
      name,
      maxRejectShare: maxRejectShareFromEnv(),
      onProgress: opts.onProgress,
      report,
      open: async (): Promise<PreparedTable[]> => {
        if (urlError || !src) throw urlError ?? new Error("source_url unusable");
        reader = makeReader(src, settings);
        const r: SourceReader = reader;
        await r.begin();
        (report.database as Record<string, unknown>).read_only = await r.readOnly();
        if (await r.isFleetsightDatabase()) {
          throw new SourceError(
            `${src.display} is a fleetsight database (it has fleet.clients and graphile_worker): a client's source_url must point at the client's own database`,
            "source_is_fleetsight",
          );
        }
        const tables: PreparedTable[] = [];
        const roles: [TableKind, string][] = [
          ["vehicles", client.source_vehicles_table],
          ["expenses", client.source_expenses_table],
        ];
        for (const [role, configured] of roles) {
          const ref = await r.resolveTable(configured);
          if (!ref) {
            notes.push(`${role} table ${configured} not found in ${src.display}: skipped`);
            continue;
          }
          const columns = await r.columns(ref);
          const headers = columns.map((c) => c.name);
          const mapping = mapHeaders(headers, ctx.synonyms, ctx.clientMap, fields, role);
          const dateCol = mapping.columns.find((c) => c.field === "date");
          const prev = state.get(configured);
          let filter: RowFilter | null = null;
          let incremental: Record<string, unknown>;
          if (mapping.kind !== "expenses" || !dateCol) incremental = { mode: "full", reason: "no date column" };
          else if (full) incremental = { mode: "full", reason: "--full", date_column: dateCol.header };
          else if (!prev) incremental = { mode: "full", reason: "first load", date_column: dateCol.header };
          else if (prev.source_name !== src.display) incremental = { mode: "full", reason: "a different source than last time", date_column: dateCol.header };
          else if (!columns[dateCol.index].isDate) incremental = { mode: "full", reason: `the date column ${JSON.stringify(dateCol.header)} is not a date type`, date_column: dateCol.header };
          else {
            filter = { column: dateCol.header, from: minusDays(prev.last_loaded_date, settings.windowDays) };
            incremental = { mode: "window", date_column: dateCol.header, from: filter.from, last_loaded_date: prev.last_loaded_date, window_days: settings.windowDays };
          }
          // The normaliser tracks the newest accepted date itself (stats.dateMax): the source state.
          const normalise = makeRowNormaliser(mapping, fields);
          plans.push({ role, configured, get maxDate() { return normalise.stats.dateMax; } });
          const qualified = `${ref.schema}.${ref.table}`;
          tables.push({
            table: {
              name: `${src.display}#${configured}`,
              detected: { format: src.driver, table: qualified },
              kindHint: role,
              headers,
              rows: r.rows(ref, filter),
            },
            kind: mapping.kind,
            normalise,
            report: { mapping: mapping.mapping, unknown_columns: mapping.unknown, kind_reason: mapping.kindReason, incremental },
          });
        }
        if (!tables.length) {
          throw new SourceError(
            `neither the vehicles table ${JSON.stringify(client.source_vehicles_table)} nor the expenses table ${JSON.stringify(client.source_expenses_table)} exists ` +
              `in ${src.display} (or the source user cannot see them); set fleet.clients.source_vehicles_table / source_expenses_table`,
            "no_tables",
          );
        }
        return tables;
      },
    });
    if (result.status === "ok" || result.status === "partial") {
      for (const p of plans) if (p.maxDate) await saveSourceState(sql, clientId, p.configured, name, p.maxDate, full);
    }
    return result;
  } catch (e) {
    // applySource records its own failures; this is for errors around it. Never let the URL out.
    throw describeDriverError(e, name, scrub, settings);
  } finally {
    const r = reader as SourceReader | null;
    if (r) await r.close();
    if (notes.length) log("info", "database source", { client_id: clientId, source: name, notes });
  }
}
