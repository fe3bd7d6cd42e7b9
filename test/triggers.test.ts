// Triggers on fleet.clients (sql/clients_triggers.sql) and the worker's LISTEN on
// fleet_client_connected (src/worker/run.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";
import { startWorker } from "../src/worker/run.js";

const db = await freshDatabase();
const jobs = async () =>
  (await db.sql<{ key: string; task_identifier: string }[]>`select key, task_identifier from graphile_worker.jobs order by id`).map((j) => j.key);
const clearJobs = () => db.sql`select graphile_worker.remove_job(key) from graphile_worker.jobs`;
const version = async (id: string) => Number((await db.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = ${id}`)[0].v);

/** Capture our structured log lines (stderr) while fn runs, at level info. */
async function captureLogs(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const level = process.env.FLEETSIGHT_LOG_LEVEL;
  process.env.FLEETSIGHT_LOG_LEVEL = "info";
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
    process.env.FLEETSIGHT_LOG_LEVEL = level;
  }
  return lines.flatMap((l) => l.split("\n")).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

test("inserting a client with source_url enqueues load in the same transaction (rollback → no job)", async () => {
  await db.sql.begin(async (tx) => {
    await tx`insert into fleet.clients (client_id, source_url) values ('t_rb', 'postgresql://u:p@h/db')`;
    await tx`select 1/0`.catch(() => {});
  }).catch(() => {});
  assert.deepEqual(await jobs(), []);
  await db.sql`insert into fleet.clients (client_id, source_url) values ('t1', 'postgresql://u:p@h/db')`;
  assert.deepEqual(await jobs(), ["load:t1"]);
  await db.sql`insert into fleet.clients (client_id) values ('t2')`;
  assert.deepEqual(await jobs(), ["load:t1"], "no source_url → no load");
  await clearJobs();
});

test("changing source_url (or the source tables while linked) enqueues a load; the same value or other columns do not", async () => {
  await db.sql`update fleet.clients set source_url = 'postgresql://u:p@h/db' where client_id = 't1'`;
  assert.deepEqual(await jobs(), []);
  await db.sql`update fleet.clients set name = 'ООО Т1' where client_id = 't1'`;
  assert.deepEqual(await jobs(), []);
  await db.sql`update fleet.clients set source_url = 'mysql://u:p@h/db' where client_id = 't1'`;
  assert.deepEqual(await jobs(), ["load:t1"]);
  await clearJobs();
  await db.sql`update fleet.clients set source_expenses_table = 'crm.daily_costs' where client_id = 't1'`;
  assert.deepEqual(await jobs(), ["load:t1"]);
  await clearJobs();
  await db.sql`update fleet.clients set source_expenses_table = 'other_table' where client_id = 't2'`;
  assert.deepEqual(await jobs(), [], "not linked → nothing to load");
  await db.sql`update fleet.clients set source_url = null where client_id = 't1'`;
  assert.deepEqual(await jobs(), [], "unlinking loads nothing");
});

test("budget and industry changes bump data_version (re-analysis); other columns do not", async () => {
  const v0 = await version("t2");
  await db.sql`update fleet.clients set year_budget = 5000000 where client_id = 't2'`;
  assert.equal(await version("t2"), v0 + 1);
  await db.sql`update fleet.clients set year_budget = 5000000 where client_id = 't2'`;
  assert.equal(await version("t2"), v0 + 1, "same budget: no bump");
  await db.sql`update fleet.clients set industry = 'taxi' where client_id = 't2'`;
  assert.equal(await version("t2"), v0 + 2);
  await db.sql`update fleet.clients set name = 'Такси №1', source_expenses_table = 'x' where client_id = 't2'`;
  assert.equal(await version("t2"), v0 + 2);
});

test("NOTIFY fleet_client_connected enqueues a load within a second; malformed payloads are logged and ignored", async () => {
  await clearJobs();
  let elapsed = -1;
  const logs = await captureLogs(async () => {
    // No 'load' task in this worker: the job stays in the queue where the test can see it.
    const worker = await startWorker({ url: db.url, noCron: true, concurrency: 1, taskList: { noop: async () => {} } });
    try {
      await db.sql`notify fleet_client_connected, '../etc/passwd'`;
      await db.sql`notify fleet_client_connected, ''`;
      await db.sql`select pg_notify('fleet_client_connected', 'nobody_here')`;
      const t0 = Date.now();
      await db.sql`notify fleet_client_connected, 't2'`;
      for (;;) {
        if ((await jobs()).includes("load:t2")) {
          elapsed = Date.now() - t0;
          break;
        }
        if (Date.now() - t0 > 5000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await worker.stop();
    }
  });
  assert.ok(elapsed >= 0 && elapsed < 1000, `load enqueued after ${elapsed} ms`);
  assert.deepEqual(await jobs(), ["load:t2"]);
  const warn = logs.filter((l) => l.level === "warn");
  assert.ok(warn.some((l) => l.msg === "ignored fleet_client_connected with a malformed client id" && l.payload === "../etc/passwd"), JSON.stringify(warn));
  assert.ok(warn.some((l) => l.msg === "ignored fleet_client_connected with a malformed client id" && l.payload === ""), JSON.stringify(warn));
  assert.ok(warn.some((l) => l.msg === "fleet_client_connected: could not enqueue load" && l.client_id === "nobody_here" && /unknown client/.test(String(l.error))), JSON.stringify(warn));
  assert.ok(logs.some((l) => l.msg === "load enqueued on fleet_client_connected" && l.client_id === "t2"));
  assert.ok(logs.some((l) => l.msg === "worker stopped"));
});

test("startWorker's stop() is idempotent and the worker keeps no connection", async () => {
  const worker = await startWorker({ url: db.url, noCron: true, concurrency: 1, taskList: { noop: async () => {} } });
  await Promise.all([worker.stop(), worker.stop()]);
  await worker.promise;
  // The client has closed its socket; the server backend leaves pg_stat_activity a moment later
  // (asynchronously, sooner or later depending on the server's load): wait for it, up to 3 s.
  let n = -1;
  for (let i = 0; i < 30; i++) {
    [{ n }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'fleetsight-listen'`;
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(n, 0, "the LISTEN connection is still open 3 s after stop()");
});

test("stopping right after a job finishes keeps its completion (no job left locked to run again)", async () => {
  await clearJobs();
  let lost = 0;
  for (let i = 0; i < 10; i++) {
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    const worker = await startWorker({ url: db.url, noCron: true, concurrency: 1, taskList: { probe: async () => void setImmediate(done) } });
    await db.sql`select graphile_worker.add_job('probe', '{}'::json)`;
    await ran;
    await worker.stop();
    lost += (await db.sql`select 1 from graphile_worker.jobs where task_identifier = 'probe'`).length;
    await db.sql`select graphile_worker.complete_jobs(array_agg(id)) from graphile_worker.jobs where task_identifier = 'probe'`;
  }
  assert.equal(lost, 0);
});
