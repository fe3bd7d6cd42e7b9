// Access control (sql/roles.sql): fleet_dashboard sees only the client set in its session, can
// enqueue jobs, and can never read source_url. RLS does not apply to superusers and table owners,
// so every check runs under `set local role fleet_dashboard`.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { freshDatabase } from "./helpers/db.js";
import type { Sql } from "../src/db/connection.js";

const db = await freshDatabase();
const SECRET = "postgresql://crm:Very-Secret-Pw@10.0.0.5:5432/crm";

await db.sql`insert into fleet.clients (client_id, name, industry, year_budget, source_url) values
  ('A', 'ООО А', 'logistics', 1000000, ${SECRET}), ('B', 'ООО Б', 'taxi', 2000000, null)`;
await db.sql`select graphile_worker.remove_job('load:A')`;
await db.sql`insert into fleet.fraud_json (client_id, analysis_type, result_json) values
  ('A', 'expenses_data', '{"a": 1}'), ('A', 'fuel_km_per_month', '{"a": 2}'), ('B', 'expenses_data', '{"b": 1}')`;
await db.sql`insert into fleet.anomalies (client_id, rule, subject_kind, subject, severity) values
  ('A', 'high_salary', 'driver', 'Иванов', 'high'), ('B', 'idle_fuel', 'vehicle', 'А123ВС77', 'low'), ('B', 'fines', 'driver', 'Петров', 'medium')`;
const [{ load_id: loadA }] = await db.sql<{ load_id: string }[]>`insert into fleet.loads (client_id, source_kind, source_name, status) values ('A', 'file', 'a.csv', 'ok') returning load_id`;
const [{ load_id: loadB }] = await db.sql<{ load_id: string }[]>`insert into fleet.loads (client_id, source_kind, source_name, status) values ('B', 'file', 'b.csv', 'partial') returning load_id`;
await db.sql`insert into fleet.load_rejects (load_id, client_id, table_name, row_number, reason, raw) values
  (${loadA}, 'A', 'expenses', 2, 'bad date', '{}'), (${loadB}, 'B', 'expenses', 3, 'bad fuel', '{}')`;

/** Run fn as fleet_dashboard for a client (or with no client set), in a transaction rolled back at the end. */
async function asDashboard<T>(client: string | null, fn: (tx: Sql) => Promise<T>): Promise<T> {
  let out: T;
  await db.sql
    .begin(async (tx) => {
      await tx`set local role fleet_dashboard`;
      if (client !== null) await tx`select set_config('fleet.client_id', ${client}, true)`;
      out = await fn(tx as unknown as Sql);
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return out!;
}
class Rollback extends Error {}

test("a session for client A sees only A's fraud_json, anomalies, loads and rejects", async () => {
  const r = await asDashboard("A", async (tx) => ({
    fraud: (await tx<{ client_id: string; analysis_type: string }[]>`select client_id, analysis_type from fleet.fraud_json order by 2`).map((x) => `${x.client_id}/${x.analysis_type}`),
    fraudB: (await tx`select * from fleet.fraud_json where client_id = 'B'`).length,
    anomalies: (await tx<{ client_id: string }[]>`select client_id from fleet.anomalies`).map((x) => x.client_id),
    loads: (await tx<{ client_id: string }[]>`select client_id from fleet.loads`).map((x) => x.client_id),
    rejects: (await tx<{ client_id: string }[]>`select client_id from fleet.load_rejects`).map((x) => x.client_id),
  }));
  assert.deepEqual(r, { fraud: ["A/expenses_data", "A/fuel_km_per_month"], fraudB: 0, anomalies: ["A"], loads: ["A"], rejects: ["A"] });
  const b = await asDashboard("B", async (tx) => (await tx<{ client_id: string }[]>`select client_id from fleet.anomalies`).map((x) => x.client_id));
  assert.deepEqual(b, ["B", "B"]);
});

test("without fleet.client_id the dashboard sees nothing", async () => {
  const n = await asDashboard(null, async (tx) => (await tx`select 1 from fleet.fraud_json union all select 1 from fleet.anomalies union all select 1 from fleet.my_client`).length);
  assert.equal(n, 0);
  const empty = await asDashboard("", async (tx) => (await tx`select 1 from fleet.fraud_json`).length);
  assert.equal(empty, 0);
});

test("source_url can never be read: no privilege on fleet.clients; fleet.my_client has no such column", async () => {
  await assert.rejects(asDashboard("A", (tx) => tx`select source_url from fleet.clients`), /permission denied for table clients/);
  await assert.rejects(asDashboard("A", (tx) => tx`select client_id from fleet.clients`), /permission denied for table clients/);
  const me = await asDashboard("A", async (tx) => (await tx`select * from fleet.my_client`).map((r) => ({ ...r })));
  assert.equal(me.length, 1);
  assert.equal(me[0].client_id, "A");
  assert.equal(me[0].database_linked, true);
  assert.ok(!("source_url" in me[0]));
  assert.doesNotMatch(JSON.stringify(me), /Very-Secret-Pw/);
  await assert.rejects(asDashboard("A", (tx) => tx`select source_url from fleet.my_client`), /column "source_url" does not exist/);
  const status = await asDashboard("A", async (tx) => (await tx<{ s: Record<string, unknown> | null }[]>`select fleet.my_status() as s`)[0].s);
  assert.ok(status, "fleet.client_status exists in this schema, so my_status() returns A's row");
  assert.equal(status.client_id, "A");
  assert.doesNotMatch(JSON.stringify(status), /Very-Secret-Pw/);
  const loads = await asDashboard("A", async (tx) => (await tx<{ l: { client_id: string } }[]>`select l from fleet.my_latest_loads() l`).map((r) => r.l.client_id));
  assert.ok(loads.every((c) => c === "A"));
});

test("the dashboard writes nothing directly but can enqueue jobs and link its database", async () => {
  await assert.rejects(asDashboard("A", (tx) => tx`insert into fleet.fraud_json (client_id, analysis_type, result_json) values ('A', 'x', '{}')`), /permission denied/);
  await assert.rejects(asDashboard("A", (tx) => tx`delete from fleet.anomalies`), /permission denied/);
  await assert.rejects(asDashboard("A", (tx) => tx`update fleet.clients set year_budget = 1`), /permission denied/);
  const job = await asDashboard("A", async (tx) => (await tx<{ id: string }[]>`select fleet.add_job('load', 'A') as id`)[0].id);
  assert.ok(Number(job) > 0);
  await db.sql.begin(async (tx) => {
    await tx`set local role fleet_dashboard`;
    await tx`select set_config('fleet.client_id', 'B', true)`;
    await tx`select fleet.link_database('mysql://crm:pw2@crm.example/fleet')`;
  });
  const [b] = await db.sql<{ source_url: string }[]>`select source_url from fleet.clients where client_id = 'B'`;
  assert.equal(b.source_url, "mysql://crm:pw2@crm.example/fleet");
  const keys = await db.sql<{ key: string }[]>`select key from graphile_worker.jobs where key = 'load:B'`;
  assert.equal(keys.length, 1, "linking enqueued a load through the clients trigger");
  await assert.rejects(asDashboard(null, (tx) => tx`select fleet.link_database('mysql://x:y@h/db')`), /set fleet.client_id first/);
  await assert.rejects(asDashboard("B", (tx) => tx`select fleet.link_database('http://x')`), /expected a postgresql:\/\/ or mysql:\/\/ URL/);
});

test("the pipeline is unaffected: the owner sees all rows, and so does a non-owner pipeline role", async () => {
  const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from fleet.fraud_json`;
  assert.equal(n, 3);
  const role = `fs_pipe_${randomBytes(4).toString("hex")}`;
  await db.sql.unsafe(`create role ${role} nologin; grant usage on schema fleet to ${role}; grant select, insert on fleet.fraud_json, fleet.anomalies to ${role}`);
  after(() => db.sql.unsafe(`drop owned by ${role}; drop role if exists ${role}`).catch(() => {}));
  let seen = 0;
  await db.sql
    .begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      seen = (await tx`select 1 from fleet.fraud_json`).length;
      await tx`insert into fleet.anomalies (client_id, rule, subject_kind, subject, severity) values ('A', 'x', 'client', 'A', 'low')`;
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  assert.equal(seen, 3);
});
