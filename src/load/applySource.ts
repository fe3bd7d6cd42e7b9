// Applies one source (a file, possibly with several tables, or a client database) for a client:
// a fleet.loads row first, then ONE transaction that streams every table into staging with COPY,
// merges, and bumps data_version. A crash or an error leaves the data exactly as it was; the loads
// row and the rejects are written outside that transaction so the person can see why.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sql } from "../db/connection.js";
import { log, peakRssMb, redact } from "../log.js";
import { SourceError, type NormalisedRow, type PreparedTable, type RawRow, type TableKind } from "../ingest/types.js";
import { ownString } from "../ingest/values.js";
import { columnLimits, columnsOf, MONEY_MAX_ABS } from "./columns.js";
import { copyLine, copyValue } from "./copyFormat.js";
import { createStage, mergeExpenses, mergeVehicles, stageTable, type MergeCounts } from "./merge.js";

export interface SourceSpec {
  clientId: string;
  kind: "file" | "database";
  name: string;
  sha256?: string | null;
  /** Opens the source's tables. Called inside the load so reader errors are recorded as the load's. */
  open: () => Promise<PreparedTable[]>;
  /** A share of rejected rows above which the whole source is refused (default 0.05). */
  maxRejectShare?: number;
  /** The share rule applies from this many rejected rows on (default 10, env
   *  FLEETSIGHT_MIN_REJECTS_TO_REFUSE): 2 typos in a 5-row file are rejects, not a wrong mapping.
   *  A source whose every row is rejected is always refused. */
  minRejectsToRefuse?: number;
  /** Called every few thousand rows; bytesRead when the reader knows it (CSV), for an ETA. */
  onProgress?: (rowsRead: number, bytesRead?: number) => void;
  /** Facts about the source to keep in the report (detected format, etc.). */
  report?: Record<string, unknown>;
}

export interface RejectRow {
  table: TableKind;
  rowNumber: number;
  reason: string;
  raw: Record<string, string>;
}

export interface LoadResult {
  loadId: number;
  clientId: string;
  source: string;
  status: "ok" | "partial" | "failed" | "refused";
  rowsRead: number;
  rowsLoaded: number;
  rowsDuplicate: number;
  rowsRejected: number;
  changed: boolean;
  error: string | null;
  report: Record<string, unknown>;
  rejects: RejectRow[];
}

/** Rejects kept per load; beyond this only the count grows (the report says so). */
const MAX_STORED_REJECTS = 100_000;

class RefusedError extends Error {}

/** Per table kind, the columns whose values have a range to check (computed once, not per row). */
const limitedColumns = new Map<TableKind, { name: string; money: boolean }[]>();
function checkLimits(kind: TableKind, record: Record<string, unknown>): string | null {
  let cols = limitedColumns.get(kind);
  if (!cols) {
    cols = columnsOf(kind)
      .filter((c) => c.type === "money" || columnLimits[c.name])
      .map((c) => ({ name: c.name, money: c.type === "money" }));
    limitedColumns.set(kind, cols);
  }
  for (const c of cols) {
    const v = record[c.name];
    if (typeof v !== "number") continue;
    if (c.money && Math.abs(v) > MONEY_MAX_ABS) return `"${c.name}": ${v} is beyond the largest amount we store (${MONEY_MAX_ABS})`;
    const lim = columnLimits[c.name];
    if (lim && (Math.abs(v) > lim.maxAbs || (lim.min !== undefined && v < lim.min)))
      return `"${c.name}": ${v} is out of range`;
  }
  return null;
}

/** The range checks of checkLimits, by position in a normaliser's `values` (same order, same messages). */
interface LimitCheck {
  index: number;
  name: string;
  money: boolean;
  lim: { min?: number; maxAbs: number } | undefined;
}
function limitsPlan(kind: TableKind, recordFields: readonly string[]): LimitCheck[] {
  const plan: LimitCheck[] = [];
  for (const c of columnsOf(kind)) {
    if (!(c.type === "money" || columnLimits[c.name])) continue;
    const index = recordFields.indexOf(c.name);
    if (index !== -1) plan.push({ index, name: c.name, money: c.type === "money", lim: columnLimits[c.name] });
  }
  return plan;
}
function checkLimitsByIndex(plan: LimitCheck[], values: readonly unknown[]): string | null {
  for (let i = 0; i < plan.length; i++) {
    const c = plan[i];
    const v = values[c.index];
    if (typeof v !== "number") continue;
    if (c.money && Math.abs(v) > MONEY_MAX_ABS) return `"${c.name}": ${v} is beyond the largest amount we store (${MONEY_MAX_ABS})`;
    const lim = c.lim;
    if (lim && (Math.abs(v) > lim.maxAbs || (lim.min !== undefined && v < lim.min))) return `"${c.name}": ${v} is out of range`;
  }
  return null;
}

export async function applySource(sql: Sql, spec: SourceSpec): Promise<LoadResult> {
  const started = performance.now();
  const [{ load_id }] = await sql<{ load_id: string }[]>`
    insert into fleet.loads (client_id, source_kind, source_name, content_sha256)
    values (${spec.clientId}, ${spec.kind}, ${spec.name}, ${spec.sha256 ?? null})
    returning load_id`;
  const loadId = Number(load_id);
  const rejects: RejectRow[] = [];
  let rejectedCount = 0;
  let negativeMoneyRows = 0;
  let rowsRead = 0;
  const tableReports: Record<string, unknown>[] = [];
  const counts: Record<TableKind, MergeCounts | null> = { expenses: null, vehicles: null };
  let changed = false;
  let status: LoadResult["status"] = "ok";
  let error: string | null = null;
  const dates = { min: null as string | null, max: null as string | null };
  const plates = new Set<string>();
  const drivers = new Set<string>();
  /** Where the time went (ms): opening/reading+normalising+COPY to staging per table, merge. */
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (timings[name] ?? 0) + Math.round(performance.now() - since));

  try {
    await sql.begin(async (tx) => {
      // One load per client at a time; loads of different clients proceed in parallel.
      await tx`select pg_advisory_xact_lock(hashtext('fleetsight.load'), hashtext(${spec.clientId}))`;
      // A load left 'running' by a killed process is over: its transaction was rolled back.
      await tx`update fleet.loads set status = 'failed', error = 'interrupted (the loading process died); nothing from it was applied', finished_at = now()
               where client_id = ${spec.clientId} and status = 'running' and load_id <> ${loadId}`;
      let t0 = performance.now();
      const tables = await spec.open();
      lap("open", t0);
      const seen = new Set<TableKind>();
      for (const t of tables) {
        const columns = await createStage(tx, t.kind);
        const fieldCols = columns.slice(1, -1);
        let tableRead = 0;
        let tableRejected = 0;
        // Where each staged column's value sits in the normaliser's `values` (-1: not mapped), so a
        // row's COPY line and range checks read an array by index instead of the record by name.
        const recordFields = t.normalise.recordFields;
        const valueIndex = recordFields ? fieldCols.map((c) => recordFields.indexOf(c)) : null;
        const limitsByIndex = valueIndex ? limitsPlan(t.kind, recordFields!) : null;
        const onRow = (row: RawRow): string | null => {
          rowsRead++;
          tableRead++;
          if (spec.onProgress && (rowsRead & 0xfff) === 0) spec.onProgress(rowsRead, t.table.bytesRead?.());
          let res: NormalisedRow = t.normalise(row);
          if (res.ok) {
            const bad = res.values && limitsByIndex ? checkLimitsByIndex(limitsByIndex, res.values) : checkLimits(t.kind, res.record);
            if (bad) res = { ok: false, reason: bad, raw: Object.fromEntries(Object.entries(res.record).map(([k, v]) => [k, ownString(String(v ?? ""))])) };
          }
          if (!res.ok) {
            rejectedCount++;
            tableRejected++;
            if (rejects.length < MAX_STORED_REJECTS) rejects.push({ table: t.kind, rowNumber: row.rowNumber, reason: res.reason, raw: res.raw });
            return null;
          }
          if (res.negativeMoney) negativeMoneyRows++;
          const r = res.record;
          if (typeof r.gov_number === "string") {
            if (plates.size < 100_000) plates.add(r.gov_number);
          }
          if (typeof r.driver === "string" && r.driver && drivers.size < 100_000) drivers.add(r.driver);
          // one COPY text line: row_no, the fields, extra (copyValue does the escaping)
          let line = String(row.rowNumber);
          const values = res.values;
          if (values && valueIndex) {
            for (let i = 0; i < valueIndex.length; i++) {
              const k = valueIndex[i];
              line += k === -1 ? "\t\\N" : "\t" + copyValue(values[k]);
            }
          } else {
            for (let i = 0; i < fieldCols.length; i++) line += "\t" + copyValue(r[fieldCols[i]] ?? null);
          }
          const extra = res.extra && Object.keys(res.extra).length ? res.extra : null;
          return line + "\t" + copyValue(extra) + "\n";
        };
        // Rows are pulled straight from the reader and COPY text is sent in chunks of ~64 KB: no
        // per-row stream machinery between the parser and the socket.
        // A reader that gives rows in batches (CSV) is read without an await per row.
        const rowsIn = t.table.rows;
        const batchesIn = t.table.batches;
        async function* copyChunks(): AsyncGenerator<string> {
          let batch = "";
          if (batchesIn) {
            for await (const rows of batchesIn) {
              for (let i = 0; i < rows.length; i++) {
                const line = onRow(rows[i]);
                if (line !== null) batch += line;
              }
              if (batch.length >= 65536) {
                yield batch;
                batch = "";
              }
            }
          } else {
            for await (const row of rowsIn) {
              const line = onRow(row);
              if (line !== null) batch += line;
              if (batch.length >= 65536) {
                yield batch;
                batch = "";
              }
            }
          }
          if (batch) yield batch;
        }
        t0 = performance.now();
        const writable = await tx.unsafe(`copy ${stageTable(t.kind)} (${columns.join(", ")}) from stdin`).writable();
        await pipeline(copyChunks, writable);
        lap(`stage_${t.kind}`, t0);
        seen.add(t.kind);
        // The file's own `client` column is ignored (the load is for spec.clientId); say what it held.
        const stats = t.normalise.stats;
        const clientValues = stats?.clientValues ?? [];
        // The normaliser already tracked the date range of the rows it accepted.
        if (stats?.dateMin && (!dates.min || stats.dateMin < dates.min)) dates.min = stats.dateMin;
        if (stats?.dateMax && (!dates.max || stats.dateMax > dates.max)) dates.max = stats.dateMax;
        tableReports.push({
          ...t.report,
          name: t.table.name,
          kind: t.kind,
          detected: t.table.detected,
          rows_read: tableRead,
          rows_rejected: tableRejected,
          ...(clientValues.length ? { client_column_values_ignored: [...clientValues] } : {}),
        });
      }
      if (rowsRead === 0 && tables.length > 0) throw new SourceError(`${spec.name}: no data rows`, "no_rows");
      const share = rowsRead ? rejectedCount / rowsRead : 0;
      const maxShare = spec.maxRejectShare ?? 0.05;
      const envMin = Number(process.env.FLEETSIGHT_MIN_REJECTS_TO_REFUSE ?? "10");
      const minRejects = spec.minRejectsToRefuse ?? (Number.isFinite(envMin) && envMin >= 0 ? envMin : 10);
      if (rejectedCount > 0 && (rejectedCount === rowsRead || (share > maxShare && rejectedCount >= minRejects))) {
        throw new RefusedError(
          `${rejectedCount} of ${rowsRead} rows (${(share * 100).toFixed(1)}%) were rejected, more than the ${(maxShare * 100).toFixed(0)}% allowed — ` +
            `usually a wrong column mapping or a wrong file; nothing from this source was loaded. First reject: row ${rejects[0]?.rowNumber}: ${rejects[0]?.reason}`,
        );
      }
      // Vehicles first: an expenses merge never depends on them, but reports read better this way.
      t0 = performance.now();
      if (seen.has("vehicles")) counts.vehicles = await mergeVehicles(tx, spec.clientId, loadId);
      if (seen.has("expenses")) counts.expenses = await mergeExpenses(tx, spec.clientId, loadId);
      lap("merge", t0);
      changed = !!(
        (counts.expenses && counts.expenses.inserted + counts.expenses.deleted > 0) ||
        (counts.vehicles && counts.vehicles.inserted + counts.vehicles.updated > 0)
      );
      if (changed) await tx`update fleet.clients set data_version = data_version + 1 where client_id = ${spec.clientId}`;
    });
    status = rejectedCount > 0 ? "partial" : "ok";
  } catch (e) {
    status = e instanceof RefusedError || e instanceof SourceError ? "refused" : "failed";
    error = redact(e instanceof Error ? e.message : String(e));
    if (status === "failed") log("error", "load failed", { client_id: spec.clientId, load_id: loadId, error });
  }

  // A refused or failed source loads nothing: every row it read is accounted as rejected.
  const applied = status === "ok" || status === "partial";
  const duplicates = applied ? (counts.expenses?.duplicates ?? 0) + (counts.vehicles?.duplicates ?? 0) : 0;
  const rowsRejected = applied ? rejectedCount : rowsRead;
  const loaded = rowsRead - rowsRejected - duplicates;
  const report: Record<string, unknown> = {
    ...spec.report,
    source: spec.name,
    kind: spec.kind,
    tables: tableReports,
    rows: { read: rowsRead, loaded, duplicate: duplicates, rejected: rowsRejected },
    merge: counts,
    merged_rows_same_vehicle_day: counts.expenses?.merged ?? 0,
    negative_money_rows: negativeMoneyRows,
    rejects_stored: rejects.length,
    rejects_truncated: rejectedCount > rejects.length,
    first_rejects: rejects.slice(0, 10).map((r) => ({ row: r.rowNumber, table: r.table, reason: r.reason })),
    date_range: dates.min ? { from: dates.min, to: dates.max } : null,
    vehicles_seen: plates.size,
    drivers_seen: drivers.size,
    changed,
    duration_ms: Math.round(performance.now() - started),
    timings_ms: timings,
    peak_rss_mb: peakRssMb(),
  };
  const unknown = tableReports.flatMap((t) => (Array.isArray(t.unknown_columns) ? (t.unknown_columns as unknown[]) : []));
  await sql.begin(async (tx) => {
    if (rejects.length) {
      const w = await tx`copy fleet.load_rejects (load_id, client_id, table_name, row_number, reason, raw) from stdin`.writable();
      const seenKeys = new Set<string>();
      await pipeline(
        Readable.from(
          (function* () {
            for (const r of rejects) {
              const key = `${r.table}:${r.rowNumber}`;
              if (seenKeys.has(key)) continue; // a reader reporting one row twice must not fail the report
              seenKeys.add(key);
              yield copyLine([loadId, spec.clientId, r.table, r.rowNumber, r.reason, r.raw]);
            }
          })(),
        ),
        w,
      );
    }
    await tx`
      update fleet.loads set
        status = ${status}, rows_read = ${rowsRead}, rows_loaded = ${loaded},
        rows_duplicate = ${duplicates},
        rows_rejected = ${rowsRejected}, unknown_columns = ${tx.json(unknown as never)},
        error = ${error}, finished_at = now(), report = ${tx.json(report as never)}
      where load_id = ${loadId}`;
  });
  return {
    loadId,
    clientId: spec.clientId,
    source: spec.name,
    status,
    rowsRead,
    rowsLoaded: loaded,
    rowsDuplicate: duplicates,
    rowsRejected,
    changed,
    error,
    report,
    rejects,
  };
}
