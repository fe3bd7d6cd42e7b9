import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOnce } from "graphile-worker";
import { quietWorkerLogger } from "../src/worker/logger.js";
import { workerPreset } from "../src/worker/run.js";
import { freshDatabase } from "./helpers/db.js";
import { taskList } from "../tasks/index.js";
import { closeDb } from "../src/db/connection.js";

const db = await freshDatabase();
// Tasks use the process-wide connection (src/db/connection.ts), which reads DATABASE_URL.
process.env.DATABASE_URL = db.url;
await db.sql`insert into fleet.clients (client_id, industry, year_budget) values ('w1', 'logistics', 1000000)`;
// Job payloads name files in the client's inbox (plain names; paths are refused).
const dir = mkdtempSync(join(tmpdir(), "fs-worker-"));
process.env.FLEETSIGHT_DATA_DIR = dir;
mkdirSync(join(dir, "w1"));
const csv = join(dir, "w1", "w1.csv");
writeFileSync(csv, "gov_number,date,daily_distance,fuel\nА123ВС77,2025-01-15,100,5000\nА123ВС77,2025-02-15,0,0\n");

async function drain() {
  // runOnce works through every runnable job, then resolves (graphile-worker's `--once`).
  await runOnce({ connectionString: db.url, taskList, logger: quietWorkerLogger, concurrency: 1, preset: workerPreset });
}

test("load then sweep then analyze, drained through the worker", async () => {
  await db.sql`select graphile_worker.add_job('load', json_build_object('client_id', 'w1', 'files', json_build_array('w1.csv'::text)))`;
  await drain();
  const [l] = await db.sql<{ status: string; rows_loaded: string }[]>`select status, rows_loaded from fleet.loads where client_id = 'w1'`;
  assert.deepEqual({ ...l }, { status: "ok", rows_loaded: "2" });
  assert.equal(existsSync(csv), false, "a loaded inbox file is moved to .processed");
  await db.sql`select graphile_worker.add_job('sweep', '{}'::json)`;
  await drain(); // the sweep enqueues analyze:w1, which the same drain runs
  const types = await db.sql<{ analysis_type: string }[]>`select analysis_type from fleet.fraud_json where client_id = 'w1' order by 1`;
  assert.ok(types.some((t) => t.analysis_type === "expenses_data"));
  const [fj] = await db.sql<{ r: string }[]>`select result_json::text as r from fleet.fraud_json where client_id = 'w1' and analysis_type = 'fuel_km_per_month'`;
  assert.deepEqual(JSON.parse(fj.r), {
    "2025": {
      "01": { fuel_in_month: 5000, distance_in_month: 100, fuel_effectiveness_in_month: 50 },
      "02": { fuel_in_month: 0, distance_in_month: 0, fuel_effectiveness_in_month: null },
    },
  });
  const left = await db.sql`select 1 from graphile_worker.jobs`;
  assert.equal(left.length, 0);
});

test("a bad payload fails the job with a readable message", async () => {
  await db.sql`select graphile_worker.add_job('analyze', '{"client_id": "../x"}'::json, max_attempts => 1)`;
  await drain();
  const [j] = await db.sql<{ last_error: string }[]>`select last_error from graphile_worker.jobs where task_identifier = 'analyze'`;
  assert.match(j.last_error, /analyze: bad payload — client_id: client_id must be 1-64 characters/);
});

test("analyze of an unknown client fails, other clients unaffected", async () => {
  await db.sql`delete from graphile_worker._private_jobs`;
  await db.sql`select graphile_worker.add_job('analyze', '{"client_id": "ghost"}'::json, max_attempts => 1)`;
  await db.sql`select fleet.add_job('analyze', 'w1')`;
  // runOnce may return after a failed job (graphile-worker's --once); a second pass must find the
  // other client's job runnable, not blocked by the failure.
  await drain();
  await drain();
  const rows = await db.sql<{ key: string | null; last_error: string | null }[]>`select key, last_error from graphile_worker.jobs order by id`;
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.match(rows[0].last_error ?? "", /unknown client "ghost"/);
});

test.after(async () => {
  await closeDb();
});
