// 1,000 clients × ~1,000 expense rows each: one sweep enqueues an analyze per client, then a
// worker with concurrency 2 works through all of them. Reports the wall time to analyse all and
// the sweep's own time. Run:
//   DATABASE_URL=postgres://USER@HOST/postgres node --import tsx bench/sweep_analyze_all.ts [--clients 1000 --rows 1000]
import postgres from "postgres";
import { runOnce } from "graphile-worker";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { connect } from "../src/db/connection.js";
import { sweep } from "../src/analyze/sweep.js";
import { quietWorkerLogger } from "../src/worker/logger.js";
import { workerPreset } from "../src/worker/run.js";
import { taskList } from "../tasks/index.js";

const arg = (name: string, def: number) => {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? Number(process.argv[k + 1]) : def;
};
const clients = arg("clients", 1000);
const rows = arg("rows", 1000);
const server = process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/postgres";
const name = `fs_bench_sweepall_${process.pid}`;
const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
try {
  const url = withDatabase(server, name);
  await migrateDatabase(url);
  process.env.DATABASE_URL = url; // the tasks use the process-wide connection
  const sql = connect(url);
  const industries = ["logistics", "construction", "pharma", "retail", "taxi", "delivery", "buses", "carsharing", "other"];
  await sql`insert into fleet.clients (client_id, industry, year_budget)
            select 'c' || i, (${industries}::text[])[1 + i % 9], 5000000 from generate_series(1, ${clients}) i`;
  // ~rows per client: 5 vehicles × rows/5 days, deterministic pseudo-random amounts.
  const t0 = performance.now();
  await sql`
    insert into fleet.expenses (client_id, gov_number, date, driver, daily_distance, fuel, repair, fines, calculated_salary, insurance)
    select 'c' || c, 'А' || lpad(v::text, 3, '0') || 'ВС77', date '2025-01-01' + d, 'Водитель ' || v,
           case when (c + v + d) % 10 = 0 then 0 else 80 + (c * 7 + v * 13 + d * 17) % 200 end,
           (c * 31 + v * 7 + d * 3) % 9000 + 1000, case when (c + d) % 97 = 0 then 15000 else 0 end,
           case when (c + v + d) % 53 = 0 then 1500 else 0 end, 3000 + (v * 100), case when d % 30 = 0 then 2500 else 0 end
    from generate_series(1, ${clients}) c, generate_series(1, 5) v, generate_series(0, ${Math.ceil(rows / 5) - 1}) d`;
  const loadMs = Math.round(performance.now() - t0);
  const s0 = performance.now();
  const enqueued = await sweep(sql);
  const sweepMs = Math.round(performance.now() - s0);
  const a0 = performance.now();
  await runOnce({ connectionString: url, taskList, logger: quietWorkerLogger, concurrency: 2, preset: workerPreset });
  const analyseMs = Math.round(performance.now() - a0);
  const [{ analysed, failed }] = await sql<{ analysed: string; failed: string }[]>`
    select (select count(*) from fleet.clients where analyzed_at is not null) as analysed,
           (select count(*) from graphile_worker.jobs) as failed`;
  const q0 = performance.now();
  const again = await sweep(sql);
  const quietMs = Math.round((performance.now() - q0) * 10) / 10;
  const result = { clients, rows_per_client: rows, insert_ms: loadMs, sweep_ms: sweepMs, enqueued, analyse_all_ms: analyseMs, analysed: Number(analysed), jobs_left: Number(failed), per_client_ms: Math.round(analyseMs / clients), quiet_sweep_enqueued: again, quiet_sweep_ms: quietMs };
  console.log(`RESULT ${JSON.stringify(result)}`);
  await sql.end();
  const { closeDb } = await import("../src/db/connection.js");
  await closeDb();
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
