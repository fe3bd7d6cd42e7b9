import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";
import { loadFile } from "../src/load/files.js";

const db = await freshDatabase();
await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics')`;
const dir = mkdtempSync(join(tmpdir(), "fs-load-"));

const expenses = join(dir, "expenses.csv");
writeFileSync(
  expenses,
  [
    "gov_number,date,driver,daily_distance,fuel,fuel_liters,repair,fines,calculated_salary",
    "А123ВС77,2025-03-01,Иванов Иван,120.5,5000.10,80,0,0,3000",
    "А123ВС77,2025-03-02,Иванов Иван,0,0,,1500,500,3000",
    "В456ОР99,2025-03-01,Петров Пётр,300,12000,190,,,4000",
    "В456ОР99,2025-03-01,Петров Пётр,300,12000,190,,,4000", // exact duplicate
  ].join("\n") + "\n",
);
const vehicles = join(dir, "vehicles.csv");
writeFileSync(vehicles, "gov_number,vehicle_type,release_year,fuel_consumption\nА123ВС77,Фура,2015,32\nВ456ОР99,Газель,2020,14\n");

const version = async () => Number((await db.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = 'c1'`)[0].v);
const snapshot = async () =>
  (await db.sql<{ r: string }[]>`select string_agg(e::text, E'\n' order by gov_number, date, driver) as r from (select gov_number, date, driver, daily_distance, fuel, fuel_liters, repair, fines, calculated_salary, total_cost from fleet.expenses where client_id = 'c1') e`)[0].r;

test("a clean canonical CSV loads every row; counts add up", async () => {
  const r = await loadFile(db.sql, "c1", expenses);
  assert.equal(r.status, "ok");
  assert.equal(r.rowsRead, 4);
  assert.equal(r.rowsLoaded, 3);
  assert.equal(r.rowsDuplicate, 1);
  assert.equal(r.rowsRejected, 0);
  assert.equal(r.rowsRead, r.rowsLoaded + r.rowsDuplicate + r.rowsRejected);
  const [t] = await db.sql<{ n: string; total: string }[]>`select count(*) as n, sum(total_cost) as total from fleet.expenses where client_id = 'c1'`;
  assert.equal(t.n, "3");
  assert.equal(t.total, "29000.10"); // (5000.10+3000) + (1500+500+3000) + (12000+4000)
  assert.equal(await version(), 1);
});

test("the same file again changes nothing, and loads shows both", async () => {
  const before = await snapshot();
  const r = await loadFile(db.sql, "c1", expenses);
  assert.equal(r.status, "ok");
  assert.equal(r.changed, false);
  assert.equal(await snapshot(), before);
  assert.equal(await version(), 1);
  const loads = await db.sql<{ status: string; rows_read: string; rows_loaded: string }[]>`
    select status, rows_read, rows_loaded from fleet.loads where client_id = 'c1' order by load_id`;
  assert.deepEqual(loads.map((l) => [l.status, l.rows_read, l.rows_loaded]), [["ok", "4", "3"], ["ok", "4", "3"]]);
});

test("vehicles load and reload", async () => {
  const r1 = await loadFile(db.sql, "c1", vehicles);
  assert.equal(r1.status, "ok");
  assert.equal(r1.rowsLoaded, 2);
  const r2 = await loadFile(db.sql, "c1", vehicles);
  assert.equal(r2.changed, false);
  const v = await db.sql<{ gov_number: string; vehicle_type: string; release_year: number; fuel_consumption: string }[]>`
    select gov_number, vehicle_type, release_year, fuel_consumption from fleet.vehicles where client_id = 'c1' order by gov_number`;
  assert.deepEqual(v.map((x) => ({ ...x })), [
    { gov_number: "А123ВС77", vehicle_type: "Фура", release_year: 2015, fuel_consumption: "32" },
    { gov_number: "В456ОР99", vehicle_type: "Газель", release_year: 2020, fuel_consumption: "14" },
  ]);
});

test("a corrected file replaces its vehicle-days (latest load wins) and sums same-day rows", async () => {
  const fixed = join(dir, "fixed.csv");
  writeFileSync(
    fixed,
    "gov_number,date,driver,daily_distance,fuel\nА123ВС77,2025-03-01,Иванов Иван,100,4000\nА123ВС77,2025-03-01,Иванов Иван,20,1000\n",
  );
  const r = await loadFile(db.sql, "c1", fixed);
  assert.equal(r.status, "ok");
  assert.equal(r.rowsLoaded, 2);
  assert.equal(r.report.merged_rows_same_vehicle_day, 1);
  const rows = await db.sql<{ daily_distance: string; fuel: string; calculated_salary: string }[]>`
    select daily_distance, fuel, calculated_salary from fleet.expenses where client_id = 'c1' and gov_number = 'А123ВС77' and date = '2025-03-01'`;
  assert.deepEqual(rows.map((x) => ({ ...x })), [{ daily_distance: "120.00", fuel: "5000.00", calculated_salary: "0.00" }]);
  // other vehicle-days untouched
  const [n] = await db.sql<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = 'c1'`;
  assert.equal(n.n, "3");
  assert.equal(await version(), 3);
});
