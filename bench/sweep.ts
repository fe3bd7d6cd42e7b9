// Sweep benchmark: 1,000 clients, every one analysed today; how long a sweep in which nothing
// changed takes (goal < 1 s), and one after 10 clients changed. Run:
//   DATABASE_URL=postgres://USER@HOST/postgres node --import tsx bench/sweep.ts [--clients 1000]
import postgres from "postgres";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { connect } from "../src/db/connection.js";
import { sweep } from "../src/analyze/sweep.js";

const server = process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/postgres";
const k = process.argv.indexOf("--clients");
const clients = k > 0 ? Number(process.argv[k + 1]) : 1000;
const name = `fs_bench_sweep_${process.pid}`;
const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
try {
  const url = withDatabase(server, name);
  await migrateDatabase(url);
  const sql = connect(url);
  await sql`insert into fleet.clients (client_id, industry, year_budget, data_version, analyzed_version, analyzed_analyses_version, analyzed_at)
            select 'c' || i, 'logistics', 1000000, 1, 1, (select value::int from fleet.meta where key = 'analyses_version'), now()
            from generate_series(1, ${clients}) i`;
  const time = async () => {
    const t0 = performance.now();
    const n = await sweep(sql);
    return { n, ms: Math.round((performance.now() - t0) * 10) / 10 };
  };
  const quiet = [await time(), await time(), await time()];
  await sql`update fleet.clients set year_budget = year_budget + 1 where client_id in (select 'c' || i from generate_series(1, 10) i)`;
  const changed = await time();
  const result = { clients, unchanged_sweeps: quiet, after_10_changes: changed };
  console.log(JSON.stringify(result));
  console.log(`RESULT ${JSON.stringify(result)}`);
  await sql.end();
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
