// Load speed vs PostgreSQL's own COPY (SPEC §6: ≥ 0.5×), in the same run, on the same file:
//   1. a 1M-row wide expense CSV from the generator (1,370 vehicles × 730 days; cached);
//   2. the baseline the spec names — COPY of the same rows into the same table: `psql \copy` of the
//      file into fleet.expenses itself (its primary key, FK to fleet.clients, check constraints,
//      generated total_cost, its index and whatever triggers it has), for a client of its own. The
//      generator plants duplicate (gov_number, date, driver) rows, which COPY into the primary key
//      would reject, so COPY gets a copy of the file without them (the first row per key kept);
//   3. for reference, labelled as such: COPY of the whole file into a bare
//      `t (like fleet.expenses including defaults)` without total_cost — no indexes (the floor) and
//      with fleet.expenses' two indexes (non-unique, since the file has duplicates);
//   4. `loadFile` end to end (detect, parse, map headers, normalise/validate every row, COPY,
//      merge, rejects/report) of the whole file for another client, into the emptied table;
//   5. the same file again (nothing changes: the idempotent path).
// Each step runs --runs times; medians are reported (and the best, for reference); the ratio is
// the median of the runs' own ratios.
// Run: node --import tsx bench/load_copy_ratio.ts [--vehicles 1370] [--days 730] [--runs 1]
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
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

// The file's rows minus duplicate keys (the first row per gov_number, date, driver kept), for the
// COPY into fleet.expenses' primary key. Cached next to the file.
const dedupFile = file.replace(/\.csv$/, ".dedup.csv");
const keyCols = ["gov_number", "date", "driver"].map((k) => header.indexOf(k));
if (keyCols.some((i) => i < 0)) throw new Error(`the generated file lacks a key column: ${header.join(",")}`);
let dedupRows = 0;
{
  if (!existsSync(dedupFile)) {
    // awk in its own process, so the key set never counts in this process's peak RSS (the load
    // report's peak_rss_mb); generator output has no quotes and no embedded delimiters
    const [a, b, c] = keyCols.map((i) => i + 1);
    execFileSync("sh", ["-c", `awk -F, 'NR == 1 || !seen[$${a} FS $${b} FS $${c}]++' "$1" > "$2.tmp" && mv "$2.tmp" "$2"`, "dedup", file, dedupFile], {
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
  dedupRows = countLines(dedupFile) - 1;
  console.log(`COPY input ${dedupFile}: ${fmt(dedupRows)} rows (${fmt(rows - dedupRows)} duplicate-key rows left out)`);
}

const db = await freshBenchDb();
try {
  const ctx = await machine(db.sql);
  console.log(ctx);
  await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics'), ('copy', 'logistics')`;
  for (const h of header) if (!/^[a-z_][a-z0-9_]*$/.test(h)) throw new Error(`unexpected header ${h}`);
  const triggers = await db.sql<{ t: string }[]>`select tgname as t from pg_trigger where tgrelid = 'fleet.expenses'::regclass and not tgisinternal order by 1`;
  console.log(`fleet.expenses triggers: ${triggers.map((r) => r.t).join(", ") || "none"}`);

  const emptyExpenses = async () => {
    await db.sql`delete from fleet.expenses`;
    await db.sql.unsafe(`vacuum analyze fleet.expenses`);
    await db.sql.unsafe(`checkpoint`);
  };
  // The spec's baseline: COPY of the (de-duplicated) rows into fleet.expenses itself.
  const psqlCopySameTable = async (): Promise<number> => {
    await emptyExpenses();
    await db.sql.unsafe(`alter table fleet.expenses alter column client_id set default 'copy'`);
    try {
      const s = performance.now();
      execFileSync("psql", [db.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", `\\copy fleet.expenses (${header.join(", ")}) from '${dedupFile}' with (format csv, header true)`], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      const secs = (performance.now() - s) / 1000;
      const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = 'copy'`;
      if (Number(n) !== dedupRows) throw new Error(`COPY into fleet.expenses loaded ${n} rows, expected ${dedupRows}`);
      return secs;
    } finally {
      await db.sql.unsafe(`alter table fleet.expenses alter column client_id drop default`);
    }
  };

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
    const s = performance.now();
    execFileSync("psql", [db.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", `\\copy public.t (${header.join(", ")}) from '${file}' with (format csv, header true)`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const secs = (performance.now() - s) / 1000;
    const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from public.t`;
    if (Number(n) !== rows) throw new Error(`COPY loaded ${n} rows, expected ${rows}`);
    return secs;
  };

  const sameSecs: number[] = [];
  const copySecs: number[] = [];
  const copyPkSecs: number[] = [];
  const loadSecs: number[] = [];
  const reloadSecs: number[] = [];
  const loadTimings: unknown[] = [];
  let lastReport: Record<string, unknown> = {};
  for (let run = 0; run < runs; run++) {
    copySecs.push(await psqlCopy(false));
    copyPkSecs.push(await psqlCopy(true));
    await db.sql.unsafe(`drop table public.t`);
    sameSecs.push(await psqlCopySameTable());
    console.log(`run ${run + 1}: COPY into fleet.expenses ${sameSecs[run].toFixed(2)} s; bare COPY ${copySecs[run].toFixed(2)} s; bare COPY + indexes ${copyPkSecs[run].toFixed(2)} s`);
    await emptyExpenses();

    let s = performance.now();
    const r = await loadFile(db.sql, "c1", file);
    loadSecs.push((performance.now() - s) / 1000);
    if (r.status !== "ok" && r.status !== "partial") throw new Error(`load ${r.status}: ${r.error}`);
    if (r.rowsRead !== rows || r.rowsRead !== r.rowsLoaded + r.rowsDuplicate + r.rowsRejected) throw new Error(`row counts do not add up: ${JSON.stringify(r.report.rows)}`);
    lastReport = r.report;
    loadTimings.push(r.report.timings_ms);
    s = performance.now();
    const r2 = await loadFile(db.sql, "c1", file);
    reloadSecs.push((performance.now() - s) / 1000);
    if (r2.changed) throw new Error("the second load of the same file changed data");
    console.log(`run ${run + 1}: loadFile ${loadSecs[run].toFixed(2)} s ${JSON.stringify(r.report.timings_ms)}; reload ${reloadSecs[run].toFixed(2)} s`);
  }
  const median = (xs: number[]) => {
    const a = [...xs].sort((x, y) => x - y);
    return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  };
  const best = (xs: number[]) => Math.min(...xs);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const sameRate = dedupRows / median(sameSecs);
  const copyRate = rows / median(copySecs);
  const copyPkRate = rows / median(copyPkSecs);
  const loadRate = rows / median(loadSecs);
  const out = {
    rows,
    copy_rows: dedupRows,
    file_mb: fileMb(file),
    runs,
    triggers: triggers.map((r) => r.t),
    // the spec's baseline: COPY into fleet.expenses
    copy_same_table_seconds: median(sameSecs),
    copy_same_table_rows_per_s: Math.round(sameRate),
    load_seconds: median(loadSecs),
    load_rows_per_s: Math.round(loadRate),
    // the ratio of each run (baseline and load measured back to back), then the median: the
    // machine is shared, and a ratio of medians would pair numbers from different runs
    ratio: r2(median(loadSecs.map((l, i) => rows / l / (dedupRows / sameSecs[i])))),
    ratio_of_medians: r2(loadRate / sameRate),
    run_ratios: loadSecs.map((l, i) => r2(rows / l / (dedupRows / sameSecs[i]))),
    // reference baselines (bare table, whole file)
    copy_bare_seconds: median(copySecs),
    copy_bare_rows_per_s: Math.round(copyRate),
    copy_bare_indexes_seconds: median(copyPkSecs),
    copy_bare_indexes_rows_per_s: Math.round(copyPkRate),
    ratio_vs_copy_bare: r2(loadRate / copyRate),
    ratio_vs_copy_bare_indexes: r2(loadRate / copyPkRate),
    reload_seconds: median(reloadSecs),
    all_seconds: { copy_same_table: sameSecs, copy_bare: copySecs, copy_bare_indexes: copyPkSecs, load: loadSecs, reload: reloadSecs },
    best_ratio: r2(rows / best(loadSecs) / (dedupRows / best(sameSecs))),
    load_timings_ms: loadTimings,
    load_peak_rss_mb: lastReport.peak_rss_mb,
    loadavg_1m: loadavg()[0],
    machine: ctx,
  };
  console.log(
    `COPY into fleet.expenses ${fmt(sameRate)} rows/s (${out.copy_same_table_seconds.toFixed(2)} s); loadFile ${fmt(loadRate)} rows/s (${out.load_seconds.toFixed(2)} s) → ratio ${out.ratio} (runs: ${out.run_ratios.join(", ")})\n` +
      `reference: bare COPY ${fmt(copyRate)} rows/s (${out.copy_bare_seconds.toFixed(2)} s, ratio ${out.ratio_vs_copy_bare}); bare COPY + indexes ${fmt(copyPkRate)} rows/s (${out.copy_bare_indexes_seconds.toFixed(2)} s, ratio ${out.ratio_vs_copy_bare_indexes}); reload ${out.reload_seconds.toFixed(2)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`,
  );
  result("load_copy_ratio", out);
} finally {
  await db.drop();
}
process.exit(0);
