import { statSync } from "node:fs";
import { basename } from "node:path";
import { db } from "../../db/connection.js";
import { loadClient } from "../../load/client.js";
import "../../sources/index.js"; // registers the client database loader
import type { LoadResult } from "../../load/applySource.js";
import { logJobEnd } from "../../log.js";
import { clientIdArg, parse } from "../args.js";
import { EXIT } from "../errors.js";
import { progressBar } from "../progress.js";

function human(r: LoadResult): string {
  const lines: string[] = [];
  const badge = { ok: "OK", partial: "PARTIAL", failed: "FAILED", refused: "REFUSED" }[r.status];
  lines.push(`${badge}  ${r.source}  (load ${r.loadId})`);
  for (const t of (r.report.tables as Record<string, unknown>[] | undefined) ?? []) {
    const det = t.detected as Record<string, unknown> | undefined;
    lines.push(`  table ${t.name} → ${t.kind}${det ? `  [${Object.entries(det).map(([k, v]) => `${k}=${v}`).join(", ")}]` : ""}`);
    const mapping = t.mapping as Record<string, string> | undefined;
    if (mapping) lines.push(`    columns: ${Object.entries(mapping).map(([h, f]) => (h === f ? f : `${h} → ${f}`)).join(", ")}`);
    const foreign = t.client_column_values_ignored as string[] | undefined;
    if (foreign?.length) lines.push(`    the file's client column was ignored (loaded for ${r.clientId}); it held: ${foreign.slice(0, 5).map((v) => JSON.stringify(v)).join(", ")}`);
    const unknown = t.unknown_columns as { header: string; suggestion: string | null }[] | undefined;
    if (unknown?.length)
      lines.push(`    unknown columns (kept in extra): ${unknown.map((u) => `${JSON.stringify(u.header)}${u.suggestion ? ` (closest: ${u.suggestion})` : ""}`).join(", ")}`);
  }
  lines.push(`  rows: read ${r.rowsRead}, loaded ${r.rowsLoaded}, duplicate ${r.rowsDuplicate}, rejected ${r.rowsRejected}`);
  const merged = Number(r.report.merged_rows_same_vehicle_day ?? 0);
  if (merged) lines.push(`  ${merged} rows for an already present vehicle-day and driver were summed into it`);
  const neg = Number(r.report.negative_money_rows ?? 0);
  if (neg) lines.push(`  ${neg} rows with negative amounts (refunds/corrections) were loaded`);
  if (r.report.date_range) {
    const d = r.report.date_range as { from: string; to: string };
    lines.push(`  dates ${d.from} … ${d.to}; vehicles ${r.report.vehicles_seen}, drivers ${r.report.drivers_seen}`);
  }
  if (r.status === "ok" || r.status === "partial") lines.push(r.changed ? "  data changed: the client will be re-analysed" : "  nothing changed (same data as already loaded)");
  for (const rej of r.rejects.slice(0, 5)) lines.push(`  reject row ${rej.rowNumber}: ${rej.reason}`);
  if (r.rejects.length > 5) lines.push(`  … ${r.rowsRejected - 5} more rejects: select * from fleet.load_rejects where load_id = ${r.loadId}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join("\n");
}

export async function loadCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { json: { type: "boolean" }, full: { type: "boolean" } });
  const id = clientIdArg(positionals[0]);
  const files = positionals.slice(1);
  const started = performance.now();
  const sql = await db();
  const results: LoadResult[] = [];
  let nothing = false;
  if (files.length) {
    for (const f of files) {
      let size: number | undefined;
      try {
        size = statSync(f).size;
      } catch {
        size = undefined;
      }
      const bar = values.json ? { update: () => {}, done: () => {} } : progressBar(basename(f), size);
      const out = await loadClient(sql, id, { files: [f], localPaths: true, onProgress: (rows, bytes) => bar.update(rows, bytes) });
      bar.done();
      results.push(...out.results);
    }
  } else {
    const out = await loadClient(sql, id, { full: !!values.full });
    results.push(...out.results);
    nothing = out.nothingToLoad;
  }
  const code = results.some((r) => r.status === "failed" || r.status === "refused") ? EXIT.failed : results.some((r) => r.status === "partial") ? EXIT.partial : EXIT.ok;
  logJobEnd({ task: "load", client_id: id, started, rows: results.reduce((s, r) => s + r.rowsLoaded, 0), status: code === EXIT.failed ? "failed" : "ok" });
  if (values.json) {
    process.stdout.write(JSON.stringify({ client_id: id, exit_code: code, nothing_to_load: nothing, sources: results.map(({ rejects, ...r }) => ({ ...r, rejects: rejects.slice(0, 100) })) }) + "\n");
  } else if (nothing) {
    process.stdout.write(`${id}: nothing to load (no files given, no inbox files, no linked database)\n`);
  } else {
    process.stdout.write(results.map(human).join("\n") + "\n");
  }
  return code;
}
