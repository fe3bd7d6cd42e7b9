// Load speed vs PostgreSQL's own COPY (SPEC §6: ≥ 0.5×), in the same run, on the same file:
//   1. a 1M-row wide expense CSV from the generator (1,370 vehicles × 730 days; cached);
//   2. COPY of that file (psql \copy … csv header) into `t (like fleet.expenses including defaults)`
//      without the generated total_cost — no indexes (the floor), and again with fleet.expenses'
//      two indexes (primary key columns, non-unique: the generated file has duplicate rows; and
//      (client_id, date));
//   3. `loadFile` end to end (detect, parse, map headers, normalise/validate every row, COPY into
//      staging, set-based merge into fleet.expenses, rejects/report) into the empty table;
//   4. the same file again (nothing changes: the idempotent path).
// Run: node --import tsx bench/load_copy_ratio.ts [--vehicles 1370] [--days 730] [--runs 1]
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { loadFile } from "../src/load/files.js";
import { countLines, fileMb, fmt, freshBenchDb, generatedExpenses, machine, result } from "./load_lib.js";

const { values } = parseArgs({
  options: { vehicles: { type: "string", default: "1370" }, days: { type: "string", default: "730" }, runs: { type: "string", default: "1" } },
});
const vehicles = Number(values.vehicles);
const days = Number(values.days);
const runs = Math.max(1, Number(values.runs));

const t0 = performance.now();
const file = await generatedExpenses(vehicles, days);
const rows = countLines(file) - 1;
console.log(`input ${file}: ${fmt(rows)} rows, ${fileMb(file)} MB (ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const header = execFileSync("head", ["-1", file], { encoding: "utf8" }).trim().split(",");

const db = await freshBenchDb();
try {
  const ctx = await machine(db.sql);
  console.log(ctx);
  await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics')`;

  const psqlCopy = async (withPk: boolean): Promise<number> => {
    await db.sql.unsafe(`drop table if exists public.t`);
    await db.sql.unsafe(`create table public.t (like fleet.expenses including defaults)`);
    await db.sql.unsafe(`alter table public.t drop column total_cost, alter column client_id set default 'c1'`);
    // The generator writes some duplicate vehicle-day rows (an anomaly it plants), so the index of the
    // primary key's columns cannot be unique here; it costs COPY the same maintenance.
    if (withPk) {
      await db.sql.unsafe(`create index t_key on public.t (client_id, gov_number, date, driver)`);
      await db.sql.unsafe(`create index t_client_date on public.t (client_id, date)`);
    }
    for (const h of header) if (!/^[a-z_][a-z0-9_]*$/.test(h)) throw new Error(`unexpected header ${h}`);
    const s = performance.now();
    execFileSync("psql", [db.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", `\\copy public.t (${header.join(", ")}) from '${file}' with (format csv, header true)`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const secs = (performance.now() - s) / 1000;
    const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from public.t`;
    if (Number(n) !== rows) throw new Error(`COPY loaded ${n} rows, expected ${rows}`);
    return secs;
  };

  const copySecs: number[] = [];
  const copyPkSecs: number[] = [];
  const loadSecs: number[] = [];
  const reloadSecs: number[] = [];
  let lastReport: Record<string, unknown> = {};
  for (let run = 0; run < runs; run++) {
    copySecs.push(await psqlCopy(false));
    copyPkSecs.push(await psqlCopy(true));
    await db.sql.unsafe(`drop table public.t`);
    await db.sql`delete from fleet.expenses where client_id = 'c1'`;
    await db.sql.unsafe(`vacuum fleet.expenses`);
    await db.sql.unsafe(`checkpoint`);

    let s = performance.now();
    const r = await loadFile(db.sql, "c1", file);
    loadSecs.push((performance.now() - s) / 1000);
    if (r.status !== "ok" && r.status !== "partial") throw new Error(`load ${r.status}: ${r.error}`);
    if (r.rowsRead !== rows || r.rowsRead !== r.rowsLoaded + r.rowsDuplicate + r.rowsRejected) throw new Error(`row counts do not add up: ${JSON.stringify(r.report.rows)}`);
    lastReport = r.report;
    s = performance.now();
    const r2 = await loadFile(db.sql, "c1", file);
    reloadSecs.push((performance.now() - s) / 1000);
    if (r2.changed) throw new Error("the second load of the same file changed data");
  }
  const best = (xs: number[]) => Math.min(...xs);
  const copyRate = rows / best(copySecs);
  const copyPkRate = rows / best(copyPkSecs);
  const loadRate = rows / best(loadSecs);
  const out = {
    rows,
    file_mb: fileMb(file),
    runs,
    copy_seconds: best(copySecs),
    copy_rows_per_s: Math.round(copyRate),
    copy_pk_seconds: best(copyPkSecs),
    copy_pk_rows_per_s: Math.round(copyPkRate),
    load_seconds: best(loadSecs),
    load_rows_per_s: Math.round(loadRate),
    ratio_vs_copy: Math.round((loadRate / copyRate) * 100) / 100,
    ratio_vs_copy_pk: Math.round((loadRate / copyPkRate) * 100) / 100,
    reload_seconds: best(reloadSecs),
    load_timings_ms: lastReport.timings_ms ?? null,
    load_peak_rss_mb: lastReport.peak_rss_mb,
    machine: ctx,
  };
  console.log(
    `COPY ${fmt(copyRate)} rows/s (${out.copy_seconds.toFixed(2)} s); COPY+PK ${fmt(copyPkRate)} rows/s (${out.copy_pk_seconds.toFixed(2)} s); ` +
      `loadFile ${fmt(loadRate)} rows/s (${out.load_seconds.toFixed(2)} s) → ratio ${out.ratio_vs_copy} (vs COPY+PK ${out.ratio_vs_copy_pk}); reload ${out.reload_seconds.toFixed(2)} s`,
  );
  result("load_copy_ratio", out);
} finally {
  await db.drop();
}
process.exit(0);
