// The client database URL and password never appear in logs, job payloads or errors, fleet.loads,
// fleet.load_rejects or fraud_json: loads with a wrong password (MariaDB), a statement timeout and a
// failing query whose error text contains the password (PostgreSQL), run through the CLI (stderr
// captured) and through the worker, then every place is searched for the password.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import mysql from "mysql2/promise";
import { runOnce } from "graphile-worker";
import { freshDatabase } from "./helpers/db.js";
import { withDatabase } from "../src/db/migrate.js";
import { closeDb } from "../src/db/connection.js";
import { taskList } from "../tasks/index.js";
import { quietWorkerLogger } from "../src/worker/logger.js";
import { workerPreset } from "../src/worker/run.js";

const db = await freshDatabase();
process.env.DATABASE_URL = db.url;
const server = process.env.FLEETSIGHT_TEST_SERVER!;
const hex = randomBytes(4).toString("hex");
const inbox = mkdtempSync(join(tmpdir(), "fs-secrets-inbox-"));
const bin = fileURLToPath(new URL("../bin/fleetsight.js", import.meta.url));

// Passwords: plain, and one with characters that must be URL-encoded (searched in both forms).
const MY_RIGHT = `Right_${hex}_pw`;
const MY_WRONG = `Wrong_${hex}_pw`;
const PG_PW = `p@ss/${hex}#Zz`;
const PG_PW_ENC = encodeURIComponent(PG_PW);
const SECRETS = [MY_RIGHT, MY_WRONG, PG_PW, PG_PW_ENC, `ss/${hex}`];

// MariaDB: a user with a password; the client's URL has the wrong one.
const myUser = `fs_sec_${hex}`;
const my = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root", database: "test" });
for (const h of ["127.0.0.1", "localhost"]) await my.query(`create user '${myUser}'@'${h}' identified by '${MY_RIGHT}'`);
// PostgreSQL: a source database whose expenses "table" is a slow view / a failing view.
const pgName = `fs_src_${hex}`;
const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${pgName}`);
// A role whose real password is PG_PW, so the URL carries it and works whether the server trusts
// local connections (the service) or checks passwords (the embedded one).
const pgUser = `fs_sec_${hex}`;
await admin.unsafe(`create role ${pgUser} login password '${PG_PW.replace(/'/g, "''")}'`);
const srcUrl = new URL(withDatabase(server, pgName));
srcUrl.username = pgUser;
srcUrl.password = PG_PW_ENC;
const pgUrl = srcUrl.toString();
assert.ok(pgUrl.includes(PG_PW_ENC));
const pgSrc = postgres(withDatabase(server, pgName), { max: 1, onnotice: () => {} });
await pgSrc.unsafe(`
  create table base ("Госномер" text, "Дата" date, "Топливо, руб" numeric);
  insert into base values ('А123ВС77', '2025-03-01', 100), ('В456ОР99', '2025-03-01', 200);
  create view slow_expenses as select b.* from base b, pg_sleep(3) s;
  create function boom() returns numeric language plpgsql as $$ begin raise exception 'cannot read: the password is ${PG_PW} (and % encoded)', '${PG_PW_ENC}'; end $$;
  create view failing_expenses as select "Госномер", "Дата", boom() as "Топливо, руб" from base;
  grant select on all tables in schema public to ${pgUser};
`);

after(async () => {
  await closeDb();
  await pgSrc.end({ timeout: 5 });
  await admin.unsafe(`drop database if exists ${pgName} with (force)`).catch(() => {});
  await admin.unsafe(`drop role if exists ${pgUser}`).catch(() => {});
  await admin.end();
  for (const h of ["127.0.0.1", "localhost"]) await my.query(`drop user if exists '${myUser}'@'${h}'`).catch(() => {});
  await my.end();
});

await db.sql`insert into fleet.clients (client_id, source_url) values
  ('s_wrongpw', ${`mysql://${myUser}:${MY_WRONG}@127.0.0.1:3306/test`})`;
await db.sql`insert into fleet.clients (client_id, source_url, source_vehicles_table, source_expenses_table) values
  ('s_timeout', ${pgUrl}, 'none_here', 'slow_expenses'),
  ('s_failing', ${pgUrl}, 'none_here', 'failing_expenses')`;

const env = { ...process.env, DATABASE_URL: db.url, FLEETSIGHT_LOG_LEVEL: "debug", FLEETSIGHT_DEBUG: "1", FLEETSIGHT_DATA_DIR: inbox, FLEETSIGHT_SOURCE_STATEMENT_TIMEOUT_MS: "500" };
const stderrAll: string[] = [];
const stdoutAll: string[] = [];

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

test("CLI loads fail with short, redacted reasons", () => {
  const expected: Record<string, RegExp> = {
    s_wrongpw: /authentication failed: Access denied for user/,
    s_timeout: /a query exceeded the statement timeout \(500 ms/,
    s_failing: /cannot read: the password is \*\*\*/,
  };
  for (const [client, reason] of Object.entries(expected)) {
    for (const args of [["load", client], ["load", client, "--json"]]) {
      const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8", timeout: 60_000 });
      stderrAll.push(r.stderr);
      stdoutAll.push(r.stdout);
      assert.equal(r.status, 4, `${client}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, reason, `${client}: ${r.stdout}`);
    }
  }
  assert.ok(stderrAll.join("").includes('"msg":"load failed"'), "the failure is logged");
});

test("the worker retries them with back-off and records redacted errors", async () => {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.env.FLEETSIGHT_SOURCE_STATEMENT_TIMEOUT_MS = "500";
  process.env.FLEETSIGHT_DATA_DIR = inbox;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await db.sql`select graphile_worker.remove_job(key) from graphile_worker.jobs`;
    for (const c of ["s_wrongpw", "s_timeout", "s_failing"]) await db.sql`select fleet.add_job('load', ${c})`;
    await runOnce({ connectionString: db.url, taskList, logger: quietWorkerLogger, concurrency: 1, preset: workerPreset });
  } finally {
    process.stderr.write = write;
  }
  stderrAll.push(lines.join(""));
  const jobs = await db.sql<{ key: string; attempts: number; last_error: string }[]>`select key, attempts, last_error from graphile_worker.jobs order by key`;
  assert.deepEqual(jobs.map((j) => [j.key, j.attempts]), [["load:s_failing", 1], ["load:s_timeout", 1], ["load:s_wrongpw", 1]]);
  for (const j of jobs) assert.match(j.last_error, /^load failed: (pg|mysql):127\.0\.0\.1(:\d+)?\//);
});

test("the password appears nowhere: logs, job payloads and errors, loads, rejects, fraud_json", async () => {
  const failed = await db.sql<{ n: number }[]>`select count(*)::int as n from fleet.loads where status = 'failed'`;
  assert.equal(failed[0].n, 9, "3 clients × (2 CLI runs + 1 worker run)");
  const places: Record<string, string> = {
    "CLI and worker logs (stderr)": stderrAll.join("\n"),
    "CLI output": stdoutAll.join("\n"),
    "graphile_worker._private_jobs": (await db.sql<{ t: string }[]>`select coalesce(string_agg(j::text, E'\n'), '') as t from graphile_worker._private_jobs j`)[0].t,
    "fleet.loads": (await db.sql<{ t: string }[]>`select coalesce(string_agg(l::text, E'\n'), '') as t from fleet.loads l`)[0].t,
    "fleet.load_rejects": (await db.sql<{ t: string }[]>`select coalesce(string_agg(r::text, E'\n'), '') as t from fleet.load_rejects r`)[0].t,
    "fleet.fraud_json": (await db.sql<{ t: string }[]>`select coalesce(string_agg(f::text, E'\n'), '') as t from fleet.fraud_json f`)[0].t,
    "fleet.source_state": (await db.sql<{ t: string }[]>`select coalesce(string_agg(s::text, E'\n'), '') as t from fleet.source_state s`)[0].t,
  };
  assert.ok(places["fleet.loads"].includes("statement timeout") && places["CLI and worker logs (stderr)"].length > 1000, "the places searched are not empty");
  for (const [where, text] of Object.entries(places)) assert.deepEqual(leaks(text), [], `password found in ${where}`);
  // …and the reasons still say what happened, with host and database.
  const errors = await db.sql<{ source_name: string; error: string }[]>`select distinct source_name, error from fleet.loads order by 1, 2`;
  assert.ok(errors.every((e) => /^(pg|mysql):127\.0\.0\.1(:\d+)?\/(test|fs_src_)/.test(e.source_name)), JSON.stringify(errors));
});
