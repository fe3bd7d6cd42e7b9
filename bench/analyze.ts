// Benchmark of the analyses for one client at 100k and 1M expense rows: generates data with
// src/generate (falls back to generate_series in SQL), loads it with COPY + insert into a scratch
// database migrated with migrations/current.sql (the insert pays for the roll-up triggers; timed),
// then times
//   1. every SQL analysis called on its own (fleet.analysis_<name>(client, as_of)),
//   2. the SQL analyses in one transaction after fleet.expenses_cache_refresh (the as_of month),
//   3. the whole analyze (src/analyze/run.ts: every analysis of the industry, every fraud rule,
//      forecast, recommendations, the fraud_json write) as of a month end and as of mid-month.
// Run: node --import tsx bench/analyze.ts [--sizes 100000,1000000] [--runs 3] [--keep]
// Needs DATABASE_URL (a server where it may create the database fs_bench_analyze) or a local
// postgres on 127.0.0.1:5432. Prints markdown; results and commands in bench/results/analyze.md.
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir, loadavg, cpus } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { connect, type Sql } from "../src/db/connection.js";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { analyzeClient } from "../src/analyze/run.js";

const ANALYSES = [
  "high_salary_data", "expenses_data", "expenses_with_market_avg", "fuel_effectiveness", "salary_effectiveness",
  "month_drivers_fine", "year_drivers_fine", "salary_data", "fuel_km_per_month", "logistic_expenses_by_month",
  "pharma_expenses_by_month", "building_expenses_by_month", "vehicle_usage_by_month", "downtime_find",
  "aggregated_expenses_by_month_year", "vehicle_efficiency_per_year", "amortization_by_month_year",
  "repair_expenses_by_month_year", "top_drivers_fines_by_month", "top_drivers_salary_efficiency", "seasonal_fines",
];

function arg(name: string, def: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && process.argv[k + 1] ? process.argv[k + 1] : def;
}
const SIZES = arg("sizes", "100000,1000000").split(",").map(Number);
const RUNS = Number(arg("runs", "3"));
const KEEP = process.argv.includes("--keep");
const SKIP_STANDALONE = process.argv.includes("--no-standalone");
const DB = "fs_bench_analyze";
const AS_OF = "2026-10-31";
const DAYS = 1000;

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");

async function loadGenerated(sql: Sql, clientId: string, vehicles: number): Promise<{ rows: number; how: string }> {
  let generate: typeof import("../src/generate/index.js").generate | undefined;
  try {
    ({ generate } = await import("../src/generate/index.js"));
  } catch {
    generate = undefined;
  }
  if (!generate) {
    await sqlGenerate(sql, clientId, vehicles);
    return { rows: Number((await sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = ${clientId}`)[0].n), how: "generate_series" };
  }
  const dir = await mkdtemp(join(tmpdir(), "fs-bench-analyze-"));
  try {
    const t0 = performance.now();
    const res = await generate(dir, { vehicles, days: DAYS, industry: "logistics", seed: 20261127, endDate: AS_OF });
    console.error(`  generated ${res.rows} rows in ${fmt(ms(t0))} ms`);
    const header = (await firstLine(res.expensesCsv)).split(",");
    await sql.begin(async (tx) => {
      await tx.unsafe(`create temp table stage on commit drop as select * from fleet.expenses with no data`);
      const t1 = performance.now();
      const copy = await tx.unsafe(`copy stage (${header.join(", ")}) from stdin with (format csv, header true)`).writable();
      await pipeline(createReadStream(res.expensesCsv), copy);
      const t2 = performance.now();
      const cols = header.join(", ");
      const keep = new Set(["gov_number", "date", "vehicle_type", "fuel_liters", "odometer_km"]);
      const exprs = header.map((c) => (c === "driver" ? "coalesce(driver, '')" : keep.has(c) ? c : `coalesce(${c}, 0)`)).join(", ");
      await tx.unsafe(`insert into fleet.expenses (client_id, ${cols}) select $1, ${exprs} from stage on conflict do nothing`, [clientId]);
      console.error(`  loaded in ${fmt(ms(t1))} ms (of which the insert into fleet.expenses with its roll-up triggers ${fmt(ms(t2))} ms)`);
    });
    return { rows: res.rows, how: "src/generate + COPY" };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function firstLine(file: string): Promise<string> {
  for await (const chunk of createReadStream(file, { encoding: "utf8", end: 65535 })) return String(chunk).split(/\r?\n/)[0];
  return "";
}

/** Fallback data: vehicles × DAYS rows, drivers changing every 120 days, ~15% zero-km days. */
async function sqlGenerate(sql: Sql, clientId: string, vehicles: number): Promise<void> {
  await sql`select setseed(0.42)`;
  await sql`
    insert into fleet.expenses (client_id, gov_number, date, driver, daily_distance, fuel, repair, fines, maintenance,
      parking, calculated_salary, amortization, customs_fees)
    select ${clientId}, 'А' || lpad(v::text, 5, '0') || 'ВС77', ${AS_OF}::date - d,
      'Водитель ' || ((v * 7 + d / 120) % (${vehicles} + 20)),
      k.km, round(k.km * 9.5, 2),
      case when random() < 0.02 then round((random() * 20000)::numeric, 2) else 0 end,
      case when random() < 0.03 then 500 else 0 end,
      case when random() < 0.01 then 5000 else 0 end,
      case when random() < 0.3 then 200 else 0 end,
      case when k.km > 0 then 3000 else 0 end, 800,
      case when random() < 0.02 then 7000 else 0 end
    from generate_series(1, ${vehicles}) v
    cross join generate_series(0, ${DAYS - 1}) d
    cross join lateral (select case when random() < 0.15 + 0 * v * d then 0 else round((50 + random() * 300)::numeric, 1) end as km) k`;
}

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL || "postgres://root@127.0.0.1:5432/postgres";
  const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${DB} with (force)`);
  await admin.unsafe(`create database ${DB}`);
  const url = withDatabase(server, DB);
  await migrateDatabase(url, { includeCurrent: true });
  const sql = connect(url, { max: 1, appName: "fleetsight-bench-analyze" });
  const [{ version }] = await sql<{ version: string }[]>`select version()`;
  const settings = await sql<{ name: string; setting: string }[]>`
    select name, setting from pg_settings where name in ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit') order by name`;
  console.log(`# bench/analyze.ts — ${new Date().toISOString()}`);
  console.log(`${version}; ${cpus().length} CPUs; ${settings.map((s) => `${s.name}=${s.setting}`).join(", ")}`);
  console.log(`load average at start: ${load()}\n`);
  try {
    for (const size of SIZES) {
      const vehicles = Math.max(1, Math.round(size / DAYS));
      const clientId = `bench_${size}`;
      await sql`insert into fleet.clients (client_id, industry, year_budget) values (${clientId}, 'logistics', 500000000)`;
      console.error(`${clientId}: ${vehicles} vehicles × ${DAYS} days`);
      const { rows, how } = await loadGenerated(sql, clientId, vehicles);
      await sql`vacuum analyze fleet.expenses`;
      const [{ n }] = await sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = ${clientId}`;
      console.log(`## ${Number(n).toLocaleString("en")} expense rows (${vehicles} vehicles × ${DAYS} days, ${how}; generator reported ${rows})\n`);

      // 1. Standalone: each analysis reads fleet.expenses itself.
      const standalone: Record<string, number> = {};
      if (!SKIP_STANDALONE) {
        for (const name of ANALYSES) {
          const t0 = performance.now();
          await sql.unsafe(`select fleet.analysis_${name}($1, $2::date)::text`, [clientId, AS_OF]);
          standalone[name] = ms(t0);
        }
      }

      // 2. Analyze runs: refresh once, then every analysis from the cache, in one transaction.
      const runs: { refresh: number; each: Record<string, number>; total: number; bytes: number }[] = [];
      for (let r = 0; r < RUNS; r++) {
        const run = { refresh: 0, each: {} as Record<string, number>, total: 0, bytes: 0 };
        const t0 = performance.now();
        await sql.begin(async (tx) => {
          const t1 = performance.now();
          await tx`select fleet.expenses_cache_refresh(${clientId}, ${AS_OF}::date)`;
          run.refresh = ms(t1);
          for (const name of ANALYSES) {
            const t2 = performance.now();
            const [res] = await tx<{ j: string }[]>`select fleet.run_analysis(${name}, ${clientId}, ${AS_OF}::date)::text as j`;
            run.each[name] = ms(t2);
            run.bytes += res.j.length;
          }
        });
        run.total = ms(t0);
        runs.push(run);
      }
      const mid = runs.find((r) => r.total === median(runs.map((x) => x.total)))!;

      console.log(`| analysis | standalone ms | in analyze run ms (median run) |`);
      console.log(`|---|---:|---:|`);
      console.log(`| expenses_cache_refresh (the as_of month) | | ${fmt(mid.refresh)} |`);
      for (const name of ANALYSES) {
        console.log(`| ${name} | ${SKIP_STANDALONE ? "" : fmt(standalone[name])} | ${fmt(mid.each[name])} |`);
      }
      const sa = Object.values(standalone).reduce((s, x) => s + x, 0);
      console.log(`| **total** | ${SKIP_STANDALONE ? "" : `**${fmt(sa)}**`} | **${fmt(mid.total)}** |`);
      console.log(`\nanalyze-run totals over ${RUNS} runs (ms): ${runs.map((r) => fmt(r.total)).join(", ")}; ` +
        `refresh: ${runs.map((r) => fmt(r.refresh)).join(", ")}; json ${(mid.bytes / 1024).toFixed(0)} KiB; load average ${load()}\n`);

      // 3. The whole analyze, as the worker runs it.
      const midMonth = `${AS_OF.slice(0, 8)}17`;
      for (const asOf of [AS_OF, midMonth]) {
        const walls: number[] = [];
        let slowest = "";
        for (let r = 0; r < RUNS; r++) {
          const t0 = performance.now();
          const res = await analyzeClient(sql, clientId, { asOf });
          walls.push(ms(t0));
          slowest = [...res.analyses].sort((a, b) => b.ms - a.ms).slice(0, 4).map((a) => `${a.type} ${a.ms}`).join(", ");
        }
        const [{ findings }] = await sql<{ findings: string }[]>`select count(*) as findings from fleet.anomalies where client_id = ${clientId}`;
        console.log(`whole analyze as of ${asOf} (${RUNS} runs, ms): ${walls.map(fmt).join(", ")} — median **${fmt(median(walls))}**; ` +
          `${findings} findings; slowest analyses (ms): ${slowest}; load average ${load()}\n`);
      }
    }
  } finally {
    await sql.end();
    if (!KEEP) await admin.unsafe(`drop database if exists ${DB} with (force)`);
    await admin.end();
  }
}

await main();
