// The acceptance check, through the real command line (bin/fleetsight.js, built dist/):
// `fleetsight load c1 <the Windows-1251 CSV>` loads every good row, rejects the bad ones with their
// row numbers, exits 3; the same command again changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
const bin = join("bin", "fleetsight.js");
const file = join("test", "fixtures", "ingest", "good", "expenses_cp1251.csv");

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const snapshot = async () =>
  (await db.sql<{ s: string | null }[]>`select string_agg(e::text, E'\n' order by e::text) as s from (select * from fleet.expenses where client_id = 'c1') e`)[0].s;

test("fleetsight load c1 <cp1251 CSV>: good rows loaded, bad rows rejected with row numbers, exit 3; again: nothing changes", async () => {
  const add = cli(["client", "add", "c1", "--industry", "Логистика", "--budget", "1000000"]);
  assert.equal(add.code, 0, add.out + add.err);

  const first = cli(["load", "c1", file]);
  assert.equal(first.code, 3, first.out + first.err);
  assert.match(first.out, /PARTIAL\s+expenses_cp1251\.csv/);
  assert.match(first.out, /encoding=windows-1251, delimiter=;/);
  assert.match(first.out, /rows: read 5, loaded 3, duplicate 0, rejected 2/);
  assert.match(first.out, /reject row 4: "daily_distance": "abc" is not a number/);
  assert.match(first.out, /reject row 5: "date": "31\.02\.2025" is not a date/);
  assert.match(first.out, /data changed/);
  const rows = await db.sql<{ gov_number: string; date: string; fuel: string }[]>`
    select gov_number, date::text as date, fuel from fleet.expenses where client_id = 'c1' order by gov_number, date`;
  assert.deepEqual(rows.map((r) => [r.gov_number, r.date, r.fuel]), [
    ["А123ВС77", "2025-11-27", "2156.00"],
    ["В456ОР199", "2025-11-27", "1528.80"],
    ["Е001КХ50", "2025-11-29", "0.00"],
  ]);
  const rejects = await db.sql<{ row_number: string }[]>`select row_number from fleet.load_rejects where client_id = 'c1' order by row_number`;
  assert.deepEqual(rejects.map((r) => Number(r.row_number)), [4, 5]);
  const before = await snapshot();
  const [{ v: v1 }] = await db.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = 'c1'`;

  const second = cli(["load", "c1", file]);
  assert.equal(second.code, 3, second.out + second.err);
  assert.match(second.out, /nothing changed/);
  assert.equal(await snapshot(), before);
  const [{ v: v2 }] = await db.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = 'c1'`;
  assert.equal(v2, v1);

  const json = cli(["load", "c1", file, "--json"]);
  assert.equal(json.code, 3);
  const out = JSON.parse(json.out);
  assert.equal(out.exit_code, 3);
  assert.equal(out.sources[0].changed, false);
  assert.deepEqual(out.sources[0].rejects.map((r: { rowNumber: number }) => r.rowNumber), [4, 5]);
  const loads = await db.sql<{ status: string }[]>`select status from fleet.loads where client_id = 'c1' order by load_id`;
  assert.deepEqual(loads.map((l) => l.status), ["partial", "partial", "partial"]);
});

test("fleetsight load of a bad input: exit 4, the reason printed, nothing loaded", async () => {
  const r = cli(["load", "c1", join("test", "fixtures", "ingest", "bad", "duplicate_target.csv")]);
  assert.equal(r.code, 4, r.out + r.err);
  assert.match(r.out, /REFUSED\s+duplicate_target\.csv/);
  assert.match(r.out, /two columns map to the same field "fuel"/);
});
