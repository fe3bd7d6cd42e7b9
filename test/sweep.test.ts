import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";
import { analyzeClient } from "../src/analyze/run.js";
import { sweep } from "../src/analyze/sweep.js";

const db = await freshDatabase();
const today = new Date().toISOString().slice(0, 10);
await db.sql`insert into fleet.clients (client_id, industry, year_budget) values ('a', 'logistics', 1000), ('b', 'taxi', 2000)`;
await db.sql`insert into fleet.expenses (client_id, gov_number, date, fuel, daily_distance) values ('a', 'А001АА77', '2025-01-10', 100, 10)`;

const pendingAnalyze = async () =>
  (await db.sql<{ key: string }[]>`select key from graphile_worker.jobs where task_identifier = 'analyze' order by key`).map((r) => r.key);
const clearJobs = () => db.sql`delete from graphile_worker._private_jobs`;

test("never-analysed clients are enqueued once each", async () => {
  assert.equal(await sweep(db.sql), 2);
  assert.equal(await sweep(db.sql), 2); // job keys dedupe: still one job each
  assert.deepEqual(await pendingAnalyze(), ["analyze:a", "analyze:b"]);
});

test("after analysis an unchanged client is not enqueued", async () => {
  await clearJobs();
  await analyzeClient(db.sql, "a");
  await analyzeClient(db.sql, "b");
  assert.equal(await sweep(db.sql, today), 0);
  assert.deepEqual(await pendingAnalyze(), []);
});

test("a budget change causes exactly one analyze", async () => {
  await db.sql`update fleet.clients set year_budget = 5000 where client_id = 'b'`;
  assert.equal(await sweep(db.sql, today), 1);
  assert.deepEqual(await pendingAnalyze(), ["analyze:b"]);
  await clearJobs();
  await analyzeClient(db.sql, "b");
});

test("a name change alone does not", async () => {
  await db.sql`update fleet.clients set name = 'Новое имя' where client_id = 'b'`;
  assert.equal(await sweep(db.sql, today), 0);
});

test("an analyses-version change re-analyses everyone", async () => {
  await db.sql`update fleet.meta set value = (value::int + 1)::text where key = 'analyses_version'`;
  assert.equal(await sweep(db.sql, today), 2);
  await clearJobs();
  await analyzeClient(db.sql, "a");
  await analyzeClient(db.sql, "b");
  assert.equal(await sweep(db.sql, today), 0);
});

test("the next day everyone is refreshed once", async () => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  assert.equal(await sweep(db.sql, tomorrow), 2);
});
