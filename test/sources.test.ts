// Client databases against real servers on this machine: a second PostgreSQL database on the test
// server and the MariaDB service (127.0.0.1:3306, root, database `test`). Clients linked to each are
// loaded through NOTIFY fleet_client_connected (in-process worker) and through fleet.add_job
// (runOnce); the second run reads only the safety window; the sources are never written to.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import mysql from "mysql2/promise";
import { runOnce } from "graphile-worker";
import { freshDatabase } from "./helpers/db.js";
import { withDatabase } from "../src/db/migrate.js";
import { closeDb } from "../src/db/connection.js";
import { taskList } from "../tasks/index.js";
import { quietWorkerLogger } from "../src/worker/logger.js";
import { startWorker, workerPreset } from "../src/worker/run.js";
import { loadDatabaseSource, makeReader, parseSourceUrl } from "../src/sources/index.js";
import { loadClient } from "../src/load/client.js";

const db = await freshDatabase();
process.env.DATABASE_URL = db.url; // tasks use the process-wide connection
const server = process.env.FLEETSIGHT_TEST_SERVER!;
const suffix = randomBytes(4).toString("hex");

// ---- PostgreSQL source: its own database, Russian and canonical headers
const pgName = `fs_src_${suffix}`;
const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${pgName}`);
const pgUrl = withDatabase(server, pgName);
// `pg:host/db`, with the port when the test server is not on 5432 (the embedded one is not).
const pgDisplay = parseSourceUrl(pgUrl).display;
const pgSrc = postgres(pgUrl, { max: 1, onnotice: () => {} });
const PLATES = ["А123ВС77", "В456ОР99", "Е789КХ50"];
await pgSrc.unsafe(`
  create table transport_park ("Госномер" text primary key, "Тип ТС" text, "Год выпуска" int);
  create table transport_daily_expenses (
    id serial primary key, "Госномер" text not null, "Дата" date not null, "Водитель" text,
    "Пробег, км" numeric(10,2), "Топливо, руб" numeric(12,2), repair numeric(12,2), fines numeric(12,2),
    "Комментарий" text, payload jsonb);
  insert into transport_park values ('А123ВС77', 'Фура', 2015), ('В456ОР99', 'Газель', 2020), ('Е789КХ50', 'Самосвал', 2018);
  insert into transport_daily_expenses ("Госномер", "Дата", "Водитель", "Пробег, км", "Топливо, руб", repair, fines, "Комментарий", payload)
  select p.plate, d::date, 'Водитель ' || p.i, 100 + p.i * 10 + extract(day from d), 3000 + p.i * 100 + extract(day from d) * 10,
         case when extract(day from d) = 15 then 2500 else 0 end, case when extract(dow from d) = 1 then 500 else null end,
         case when p.i = 1 then 'рейс ' || to_char(d, 'DD.MM') end, jsonb_build_object('k', p.i)
  from (values (1, 'А123ВС77'), (2, 'В456ОР99'), (3, 'Е789КХ50')) as p(i, plate),
       generate_series('2025-01-01'::date, '2025-03-31'::date, interval '1 day') d;
`);

// ---- MariaDB source: uniquely named tables in database `test`
const myUrl = "mysql://root@127.0.0.1:3306/test";
const my = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root", database: "test", charset: "utf8mb4" });
const myVeh = `transport_park_${suffix}`;
const myExp = `transport_daily_expenses_${suffix}`;
await my.query(`create table ${myVeh} (\`Госномер\` varchar(20) primary key, \`Тип ТС\` varchar(50), \`Год выпуска\` int) character set utf8mb4`);
await my.query(`create table ${myExp} (
  id int auto_increment primary key, \`Госномер\` varchar(20) not null, \`Дата\` date not null, \`Водитель\` varchar(100),
  \`Пробег, км\` decimal(10,2), \`Топливо, руб\` decimal(12,2), repair decimal(12,2), fines decimal(12,2), note varchar(100)) character set utf8mb4`);
await my.query(`insert into ${myVeh} values ('А123ВС77', 'Фура', 2015), ('В456ОР99', 'Газель', 2020)`);
{
  const rows: unknown[][] = [];
  for (let day = 0; day < 60; day++) {
    const d = new Date(Date.UTC(2025, 1, 1 + day)).toISOString().slice(0, 10); // 2025-02-01 … 2025-04-01
    rows.push(["А123ВС77", d, "Иванов Иван", 120 + day, 5000 + day, day === 10 ? 1500 : 0, null, day % 7 === 0 ? "мойка" : null]);
    rows.push(["В456ОР99", d, "Петров Пётр", 80 + day, 3000 + day, 0, day === 20 ? 700 : 0, null]);
  }
  await my.query(`insert into ${myExp} (\`Госномер\`, \`Дата\`, \`Водитель\`, \`Пробег, км\`, \`Топливо, руб\`, repair, fines, note) values ?`, [rows]);
}

after(async () => {
  await closeDb();
  await pgSrc.end({ timeout: 5 });
  await admin.unsafe(`drop database if exists ${pgName} with (force)`).catch(() => {});
  await admin.end();
  await my.query(`drop table if exists ${myVeh}, ${myExp}`).catch(() => {});
  await my.end();
});

async function pgChecksum(): Promise<string> {
  const [r] = await pgSrc<{ c: string }[]>`
    select md5((select string_agg(t::text, '|' order by id) from transport_daily_expenses t) || (select string_agg(v::text, '|' order by 1) from transport_park v)) as c`;
  return r.c;
}
async function myChecksum(): Promise<string> {
  const [rows] = await my.query(`select (select count(*) from ${myExp}) as n, (select sum(crc32(concat_ws('|', id, \`Госномер\`, \`Дата\`, \`Топливо, руб\`))) from ${myExp}) as s, (select count(*) from ${myVeh}) as v`);
  return JSON.stringify(rows);
}
const pgBefore = await pgChecksum();
const myBefore = await myChecksum();

const drain = () => runOnce({ connectionString: db.url, taskList, logger: quietWorkerLogger, concurrency: 1, preset: workerPreset });
const count = async (client: string) =>
  Number((await db.sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = ${client}`)[0].n);
const vehicles = async (client: string) =>
  Number((await db.sql<{ n: string }[]>`select count(*) as n from fleet.vehicles where client_id = ${client}`)[0].n);
interface LoadRow { load_id: string; status: string; rows_read: string; rows_loaded: string; error: string | null; source_name: string; report: Record<string, any> }
const loadsOf = (client: string) =>
  db.sql<LoadRow[]>`select load_id, status, rows_read, rows_loaded, error, source_name, report from fleet.loads where client_id = ${client} order by load_id`;
async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Clients: linking a database enqueues a load (trigger); remove those jobs so NOTIFY is what loads them.
await db.sql`insert into fleet.clients (client_id, industry, year_budget, source_url) values ('pg1', 'logistics', 1000000, ${pgUrl})`;
await db.sql`insert into fleet.clients (client_id, industry, year_budget, source_url, source_vehicles_table, source_expenses_table)
             values ('my1', 'logistics', 1000000, ${myUrl}, ${myVeh}, ${myExp})`;
await db.sql`select graphile_worker.remove_job('load:pg1'), graphile_worker.remove_job('load:my1')`;
const [{ n: pgSourceRows }] = await pgSrc<{ n: number }[]>`select count(*)::int as n from transport_daily_expenses`;

test("NOTIFY fleet_client_connected loads a PostgreSQL and a MariaDB source (in-process worker)", async () => {
  const worker = await startWorker({ url: db.url, noCron: true, concurrency: 2 });
  try {
    await db.sql`notify fleet_client_connected, 'pg1'`;
    await db.sql`select pg_notify('fleet_client_connected', 'my1')`;
    const done = (c: string) => waitFor(`load of ${c}`, async () => (await loadsOf(c)).find((l) => l.status !== "running"));
    const [pg, myl] = await Promise.all([done("pg1"), done("my1")]);
    assert.equal(pg.status, "ok", pg.error ?? "");
    assert.equal(myl.status, "ok", myl.error ?? "");
    assert.equal(pg.source_name, pgDisplay);
    assert.equal(myl.source_name, "mysql:127.0.0.1/test");
    // The jobs are complete once they leave the queue (stopping earlier could cut their completion).
    await waitFor("the queue to drain", async () => (await db.sql`select 1 from graphile_worker.jobs`).length === 0);
  } finally {
    await worker.stop();
  }
  assert.equal(await count("pg1"), pgSourceRows);
  assert.equal(pgSourceRows, 270);
  assert.equal(await vehicles("pg1"), 3);
  assert.equal(await count("my1"), 120);
  assert.equal(await vehicles("my1"), 2);
  const [pg] = await loadsOf("pg1");
  assert.equal(Number(pg.rows_read), 273);
  assert.equal(pg.report.database.read_only, true);
  const tables = pg.report.tables as { name: string; kind: string; rows_read: number; mapping: Record<string, string>; incremental: { mode: string; reason: string } }[];
  assert.deepEqual(tables.map((t) => [t.name, t.kind, t.rows_read, t.incremental.mode]), [
    [`${pgDisplay}#transport_park`, "vehicles", 3, "full"],
    [`${pgDisplay}#transport_daily_expenses`, "expenses", 270, "full"],
  ]);
  assert.equal(tables[1].mapping["Топливо, руб"], "fuel");
  assert.equal(tables[1].mapping["Дата"], "date");
  // Same rows, same money: one exact check per source
  const [s] = await db.sql<{ fuel: string; repair: string; fines: string; extra: string }[]>`
    select sum(fuel)::text as fuel, sum(repair)::text as repair, sum(fines)::text as fines,
           (select extra->>'Комментарий' from fleet.expenses where client_id = 'pg1' and gov_number = 'А123ВС77' and date = '2025-02-03') as extra
    from fleet.expenses where client_id = 'pg1'`;
  const [t] = await pgSrc<{ fuel: string; repair: string; fines: string }[]>`
    select sum("Топливо, руб")::numeric(14,2)::text as fuel, sum(repair)::numeric(14,2)::text as repair, coalesce(sum(fines), 0)::numeric(14,2)::text as fines from transport_daily_expenses`;
  assert.deepEqual({ fuel: s.fuel, repair: s.repair, fines: s.fines }, { ...t });
  assert.equal(s.extra, "рейс 03.02");
  const [m] = await db.sql<{ fuel: string; last: string }[]>`select sum(fuel)::text as fuel, max(date)::text as last from fleet.expenses where client_id = 'my1'`;
  assert.deepEqual({ ...m }, { fuel: String(60 * 5000 + 60 * 3000 + 2 * (59 * 60) / 2) + ".00", last: "2025-04-01" });
  const state = await db.sql<{ client_id: string; source_table: string; d: string }[]>`
    select client_id, source_table, last_loaded_date::text as d from fleet.source_state order by client_id`;
  assert.deepEqual(state.map((r) => ({ ...r })), [
    { client_id: "my1", source_table: myExp, d: "2025-04-01" },
    { client_id: "pg1", source_table: "transport_daily_expenses", d: "2025-03-31" },
  ]);
});

test("fleet.add_job + runOnce: the second run reads only the safety window and changes nothing", async () => {
  await db.sql`select fleet.add_job('load', 'pg1'), fleet.add_job('load', 'my1')`;
  await drain();
  const pg = (await loadsOf("pg1")).at(-1)!;
  const myl = (await loadsOf("my1")).at(-1)!;
  assert.equal(pg.status, "ok", pg.error ?? "");
  assert.equal(myl.status, "ok", myl.error ?? "");
  // pg: max date 2025-03-31, window 35 days → from 2025-02-24: 36 days × 3 vehicles
  const [{ n: inWindow }] = await pgSrc<{ n: number }[]>`select count(*)::int as n from transport_daily_expenses where "Дата" >= '2025-02-24'`;
  assert.equal(inWindow, 108);
  const pgExp = (pg.report.tables as any[]).find((t) => t.kind === "expenses");
  assert.deepEqual(pgExp.incremental, { mode: "window", date_column: "Дата", from: "2025-02-24", last_loaded_date: "2025-03-31", window_days: 35 });
  assert.equal(pgExp.rows_read, 108);
  assert.equal(Number(pg.rows_read), 108 + 3);
  assert.equal(pg.report.changed, false);
  // MariaDB: max 2025-04-01 → from 2025-02-25: 36 days × 2 vehicles
  const myExpT = (myl.report.tables as any[]).find((t) => t.kind === "expenses");
  assert.equal(myExpT.incremental.from, "2025-02-25");
  assert.equal(myExpT.rows_read, 72);
  assert.equal(myl.report.changed, false);
  assert.equal(await count("pg1"), 270);
  assert.equal(await count("my1"), 120);
  const left = await db.sql`select 1 from graphile_worker.jobs`;
  assert.equal(left.length, 0);
});

test("a change in the source inside the window is picked up; --full reads everything", async () => {
  await pgSrc`update transport_daily_expenses set "Топливо, руб" = 9999 where "Госномер" = 'А123ВС77' and "Дата" = '2025-03-30'`;
  try {
    const r = await loadDatabaseSource(db.sql, "pg1", {});
    assert.equal(r!.status, "ok");
    assert.equal(r!.changed, true);
    const [f] = await db.sql<{ fuel: string }[]>`select fuel::text from fleet.expenses where client_id = 'pg1' and gov_number = 'А123ВС77' and date = '2025-03-30'`;
    assert.equal(f.fuel, "9999.00");
    const full = await loadClient(db.sql, "pg1", { full: true });
    assert.equal(full.results.length, 1);
    assert.equal(full.results[0].rowsRead, 273);
    assert.equal(full.results[0].changed, false);
  } finally {
    await pgSrc`update transport_daily_expenses set "Топливо, руб" = 3000 + 100 + 30 * 10 where "Госномер" = 'А123ВС77' and "Дата" = '2025-03-30'`;
  }
});

test("the client databases were never written to", async () => {
  assert.equal(await pgChecksum(), pgBefore);
  assert.equal(await myChecksum(), myBefore);
});

test("the reader's transaction is read only (PostgreSQL and MariaDB): a write inside it fails", async () => {
  const pr = makeReader(parseSourceUrl(pgUrl));
  await pr.begin();
  try {
    assert.equal(await pr.readOnly(), true);
    await assert.rejects(pr.unsafeQueryForTest(`insert into transport_park values ('Х000ХХ00', 'x', 2000)`), /read-only transaction/);
  } finally {
    await pr.close();
  }
  const mr = makeReader(parseSourceUrl(myUrl));
  await mr.begin();
  try {
    assert.equal(await mr.readOnly(), true);
    await assert.rejects(mr.unsafeQueryForTest(`insert into ${myVeh} values ('Х000ХХ00', 'x', 2000)`), /READ ONLY transaction/i);
  } finally {
    await mr.close();
  }
  const [{ n }] = await pgSrc<{ n: number }[]>`select count(*)::int as n from transport_park`;
  assert.equal(n, 3);
});

test("the statement timeout bounds each round trip, not a long read by a slow consumer", async () => {
  const settings = { connectTimeoutMs: 5000, statementTimeoutMs: 300, windowDays: 35, fetchRows: 50 };
  for (const [url, table] of [[pgUrl, "transport_daily_expenses"], [myUrl, myExp]] as const) {
    const r = makeReader(parseSourceUrl(url), settings);
    await r.begin();
    try {
      const ref = await r.resolveTable(table);
      assert.ok(ref);
      let n = 0;
      const started = Date.now();
      for await (const row of r.rows(ref, null)) {
        n++;
        if (n % 50 === 0) await new Promise((res) => setTimeout(res, 200));
        assert.equal(row.rowNumber, n);
      }
      assert.ok(Date.now() - started > 300, "the read took longer than the statement timeout");
      assert.equal(n, url === pgUrl ? 270 : 120);
    } finally {
      await r.close();
    }
  }
});

test("a missing table is skipped with a note; both missing refuses the source with a clear reason", async () => {
  await db.sql`insert into fleet.clients (client_id, source_url, source_vehicles_table) values ('pg2', ${pgUrl}, 'no_such_park')`;
  await db.sql`select graphile_worker.remove_job('load:pg2')`;
  const r = await loadDatabaseSource(db.sql, "pg2", {});
  assert.equal(r!.status, "ok");
  assert.equal(r!.rowsRead, 270);
  assert.deepEqual((r!.report.database as any).notes, [`vehicles table no_such_park not found in ${pgDisplay}: skipped`]);
  await db.sql`update fleet.clients set source_expenses_table = 'public.nothing_here' where client_id = 'pg2'`;
  await db.sql`select graphile_worker.remove_job('load:pg2')`;
  const r2 = await loadDatabaseSource(db.sql, "pg2", {});
  assert.equal(r2!.status, "refused");
  assert.match(r2!.error!, /neither the vehicles table "no_such_park" nor the expenses table "public.nothing_here" exists/);
});

test("a table name that is not a plain identifier never reaches SQL", async () => {
  await db.sql`insert into fleet.clients (client_id, source_url, source_expenses_table) values ('pg3', ${pgUrl}, 'transport_park; drop table transport_park')`;
  await db.sql`select graphile_worker.remove_job('load:pg3')`;
  const r = await loadDatabaseSource(db.sql, "pg3", {});
  assert.equal(r!.status, "refused");
  assert.match(r!.error!, /is not a plain table name/);
  const [{ n }] = await pgSrc<{ n: number }[]>`select count(*)::int as n from transport_park`;
  assert.equal(n, 3);
});

test("a source_url pointing at a fleetsight database (ours) is refused: no reading other clients' data", async () => {
  await db.sql`insert into fleet.clients (client_id, source_url, source_vehicles_table, source_expenses_table) values ('sneaky', ${db.url}, 'fleet.vehicles', 'fleet.expenses')`;
  await db.sql`select graphile_worker.remove_job('load:sneaky')`;
  const r = await loadDatabaseSource(db.sql, "sneaky", {});
  assert.equal(r!.status, "refused");
  assert.match(r!.error!, /is a fleetsight database/);
  assert.equal(await count("sneaky"), 0);
});

test("an unreachable source fails its job (retried later), other clients are loaded", async () => {
  await db.sql`insert into fleet.clients (client_id, source_url) values ('down1', 'postgresql://fleet:S3cr3t-Pw@127.0.0.1:1/clientdb')`;
  await db.sql`select fleet.add_job('load', 'my1')`;
  await drain();
  const [l] = await loadsOf("down1");
  assert.equal(l.status, "failed");
  assert.equal(l.source_name, "pg:127.0.0.1:1/clientdb");
  assert.match(l.error!, /^cannot connect \(connection refused\)/);
  assert.doesNotMatch(JSON.stringify(l), /S3cr3t/);
  const jobs = await db.sql<{ key: string; attempts: number; last_error: string | null }[]>`select key, attempts, last_error from graphile_worker.jobs order by key`;
  assert.deepEqual(jobs.map((j) => [j.key, j.attempts]), [["load:down1", 1]]);
  assert.match(jobs[0].last_error!, /load failed: pg:127\.0\.0\.1:1\/clientdb: cannot connect/);
  assert.doesNotMatch(jobs[0].last_error!, /S3cr3t/);
  assert.equal((await loadsOf("my1")).at(-1)!.status, "ok");
  await db.sql`select graphile_worker.remove_job('load:down1')`;
});

test("add_job load for a client with no source and no inbox files succeeds and logs 'nothing to load'", async () => {
  await db.sql`insert into fleet.clients (client_id) values ('empty1')`;
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const level = process.env.FLEETSIGHT_LOG_LEVEL;
  process.env.FLEETSIGHT_LOG_LEVEL = "info";
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    await db.sql`select fleet.add_job('load', 'empty1')`;
    await drain();
  } finally {
    process.stderr.write = write;
    process.env.FLEETSIGHT_LOG_LEVEL = level;
  }
  assert.ok(lines.some((l) => /"msg":"nothing to load".*"client_id":"empty1"/.test(l)), lines.join(""));
  assert.equal((await loadsOf("empty1")).length, 0);
  assert.equal((await db.sql`select 1 from graphile_worker.jobs`).length, 0);
});
