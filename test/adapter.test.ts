// `fleetsight adapter install web-users` (sql/adapter_web_users.sql): triggers on the existing
// dashboard's web.users keep fleet.clients in sync.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
const bin = fileURLToPath(new URL("../bin/fleetsight.js", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8" });

interface ClientRow { client_id: string; name: string | null; industry: string; year_budget: string | null; source_url: string | null; data_version: string }
const client = async (id: string) =>
  (await db.sql<ClientRow[]>`select client_id, name, industry, year_budget, source_url, data_version from fleet.clients where client_id = ${id}`).map((r) => ({ ...r }))[0];
const jobs = async () => (await db.sql<{ key: string }[]>`select key from graphile_worker.jobs order by id`).map((j) => j.key);

test("install before web.users exists fails with a clear message", () => {
  const r = cli("adapter", "install", "web-users");
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /web\.users does not exist/);
  assert.equal(cli("adapter", "install", "nope").status, 2);
});

test("install syncs existing rows; reinstall is idempotent", async () => {
  await db.sql.unsafe(`
    create schema if not exists web;
    create table web.users (
      id serial primary key, email text unique not null, passwordhash text not null,
      companyname text, inn text, "companyType" text, companyid text,
      createdat timestamptz not null default now(), "yearBudget" integer not null, "postgresData" text);
    insert into web.users (email, passwordhash, companyname, "companyType", companyid, "yearBudget", "postgresData") values
      ('a@x.ru', 'h', 'ООО Альфа', 'Логистика', 'c_1111aaaa', 1000000, null),
      ('a2@x.ru', 'h', 'ООО Альфа', 'Логистика', 'c_1111aaaa', 1200000, null),
      ('b@x.ru', 'h', 'Бета', 'Неизвестная отрасль', 'c_2222bbbb', 500000, ''),
      ('c@x.ru', 'h', 'Гамма', 'Такси', null, 100, null),
      ('d@x.ru', 'h', 'Дельта', 'Такси', '../etc', 100, null);`);
  const r = cli("adapter", "install", "web-users", "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { adapter: "web-users", installed: true, users: 5, clients: 2 });
  assert.deepEqual(await client("c_1111aaaa"), { client_id: "c_1111aaaa", name: "ООО Альфа", industry: "logistics", year_budget: "1200000.00", source_url: null, data_version: "0" });
  assert.deepEqual(await client("c_2222bbbb"), { client_id: "c_2222bbbb", name: "Бета", industry: "other", year_budget: "500000.00", source_url: null, data_version: "0" });
  const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from fleet.clients`;
  assert.equal(n, 2);
  const again = cli("adapter", "install", "web-users");
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /web-users adapter installed/);
  const [{ t }] = await db.sql<{ t: number }[]>`select count(*)::int as t from pg_trigger where tgrelid = 'web.users'::regclass and not tgisinternal`;
  assert.equal(t, 1);
  assert.equal((await client("c_1111aaaa")).data_version, "0", "reinstall changes nothing");
  assert.deepEqual(await jobs(), []);
});

test("insert and update of web.users keep fleet.clients in sync; postgresData enqueues a load", async () => {
  await db.sql`insert into web.users (email, passwordhash, companyname, "companyType", companyid, "yearBudget") values ('e@x.ru', 'h', 'Фарма+', 'Фармацевтика', 'c_3333cccc', 3000000)`;
  assert.deepEqual(await client("c_3333cccc"), { client_id: "c_3333cccc", name: "Фарма+", industry: "pharma", year_budget: "3000000.00", source_url: null, data_version: "0" });
  await db.sql`update web.users set "yearBudget" = 3500000 where companyid = 'c_3333cccc'`;
  assert.equal((await client("c_3333cccc")).data_version, "1", "budget change marks for re-analysis");
  await db.sql`update web.users set "companyType" = 'Строительство' where companyid = 'c_3333cccc'`;
  const c = await client("c_3333cccc");
  assert.deepEqual([c.industry, c.year_budget, c.data_version], ["construction", "3500000.00", "2"]);
  await db.sql`update web.users set companyname = 'СтройФарма' where companyid = 'c_3333cccc'`;
  assert.equal((await client("c_3333cccc")).name, "СтройФарма");
  assert.deepEqual(await jobs(), []);
  await db.sql`update web.users set "postgresData" = 'postgresql://u:pw@db.example:5432/fleet' where companyid = 'c_3333cccc'`;
  assert.equal((await client("c_3333cccc")).source_url, "postgresql://u:pw@db.example:5432/fleet");
  assert.deepEqual(await jobs(), ["load:c_3333cccc"]);
  await db.sql`update web.users set "postgresData" = null where companyid = 'c_3333cccc'`;
  assert.equal((await client("c_3333cccc")).source_url, null);
  // A row without a valid company id never blocks the dashboard.
  await db.sql`insert into web.users (email, passwordhash, companyid, "yearBudget") values ('f@x.ru', 'h', 'bad id!', 1)`;
});

test("the dashboard's own role (insert/update on web.users only) drives the sync (security definer)", async () => {
  const role = `fs_web_${randomBytes(4).toString("hex")}`;
  await db.sql.unsafe(`create role ${role} nologin; grant usage on schema web to ${role};
    grant select, insert, update on web.users to ${role}; grant usage on sequence web.users_id_seq to ${role}`);
  after(() => db.sql.unsafe(`drop owned by ${role}; drop role if exists ${role}`).catch(() => {}));
  await db.sql.begin(async (tx) => {
    await tx.unsafe(`set local role ${role}`);
    await tx`insert into web.users (email, passwordhash, companyname, "companyType", companyid, "yearBudget", "postgresData")
             values ('g@x.ru', 'h', 'Доставка24', 'Доставка', 'c_4444dddd', 700000, 'mysql://crm:pw@crm.local/crm')`;
  });
  const c = await client("c_4444dddd");
  assert.deepEqual([c.industry, c.source_url], ["delivery", "mysql://crm:pw@crm.local/crm"]);
  assert.ok((await jobs()).includes("load:c_4444dddd"));
});

test("uninstall removes the trigger and keeps the clients", async () => {
  const r = cli("adapter", "uninstall", "web-users");
  assert.equal(r.status, 0, r.stderr);
  await db.sql`update web.users set "yearBudget" = 1 where companyid = 'c_1111aaaa'`;
  assert.equal((await client("c_1111aaaa")).year_budget, "1200000.00");
  assert.equal(cli("adapter", "install", "web-users").status, 0);
  assert.equal((await client("c_1111aaaa")).year_budget, "1.00", "reinstall syncs rows changed meanwhile");
});
