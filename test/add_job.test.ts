import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics'), ('c_2', 'taxi')`;

const jobs = async () =>
  db.sql<{ task_identifier: string; key: string | null }[]>`select task_identifier, key from graphile_worker.jobs order by id`;

test("add_job twice while the first is pending leaves one job", async () => {
  await db.sql`select fleet.add_job('load', 'c1')`;
  await db.sql`select fleet.add_job('load', 'c1')`;
  const j = (await jobs()).filter((x) => x.key === "load:c1");
  assert.equal(j.length, 1);
  assert.equal(j[0].task_identifier, "load");
});

test("load and analyze of one client are separate jobs", async () => {
  await db.sql`select fleet.add_job('analyze', 'c1')`;
  const keys = (await jobs()).map((x) => x.key).sort();
  assert.deepEqual(keys, ["analyze:c1", "load:c1"]);
});

for (const [task, client, msg] of [
  ["drop", "c1", /unknown task 'drop'/],
  ["sweep", "c1", /unknown task 'sweep'/],
  [null, "c1", /unknown task NULL/],
  ["load", "../etc", /malformed client id/],
  ["load", "a b", /malformed client id/],
  ["load", "x".repeat(65), /malformed client id/],
  ["load", "nobody", /unknown client 'nobody'/],
] as const) {
  test(`add_job rejects ${String(task)} / ${client.slice(0, 12)}`, async () => {
    await assert.rejects(db.sql`select fleet.add_job(${task}, ${client})`, msg);
  });
}

test("setting source_url enqueues a load in the same transaction", async () => {
  await db.sql.begin(async (tx) => {
    await tx`update fleet.clients set source_url = 'postgresql://u:secret@127.0.0.1:1/x' where client_id = 'c_2'`;
    const inTx = await tx`select 1 from graphile_worker.jobs where key = 'load:c_2'`;
    assert.equal(inTx.length, 1);
  });
  const [p] = await db.sql<{ payload: unknown }[]>`select payload from graphile_worker._private_jobs where key = 'load:c_2'`;
  // the payload names the client only: never the URL
  assert.deepEqual(p.payload, { client_id: "c_2" });
});
