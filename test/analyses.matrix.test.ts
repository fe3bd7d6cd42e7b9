// The industry matrix (ANALYSES.md): which of the old system's analysis types each industry gets,
// read from fleet.analyses (data, not code). Every industry gets 1–11 and 16–23; logistics adds 12,
// pharma 13, construction 14; carsharing (no drivers' salaries or fines) drops 5, 6, 7, 10, 21, 22,
// 23 and adds 15. Types numbered beyond the old contract (sort_order > 23, e.g.
// recommendations_detail) are new analyses registered elsewhere and are not judged here.
// Run: node --import tsx --test test/analyses.matrix.test.ts (or npm test)
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connect, type Sql } from "../src/db/connection.js";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { freshDatabase } from "./helpers/db.js";

async function database(): Promise<Sql> {
  if (process.env.FLEETSIGHT_TEST_SERVER) return (await freshDatabase()).sql;
  const server = process.env.DATABASE_URL || "postgres://root@127.0.0.1:5432/postgres";
  const name = `fs_an_t_${randomBytes(5).toString("hex")}`;
  const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(server, name);
  await migrateDatabase(url, { includeCurrent: true });
  const sql = connect(url, { max: 2, appName: "fleetsight-test" });
  after(async () => {
    await sql.end({ timeout: 5 });
    if (!process.env.KEEP_TEST_DB) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return sql;
}

const sql = await database();

const OLD: [number, string][] = [
  [1, "high_salary_data"], [2, "expenses_data"], [3, "expenses_with_market_avg"], [4, "fuel_effectiveness"],
  [5, "salary_effectiveness"], [6, "month_drivers_fine"], [7, "year_drivers_fine"], [8, "analyze_and_plot"],
  [9, "recommendations"], [10, "salary_data"], [11, "fuel_km_per_month"], [12, "logistic_expenses_by_month"],
  [13, "pharma_expenses_by_month"], [14, "building_expenses_by_month"], [15, "vehicle_usage_by_month"],
  [16, "downtime_find"], [17, "aggregated_expenses_by_month_year"], [18, "vehicle_efficiency_per_year"],
  [19, "amortization_by_month_year"], [20, "repair_expenses_by_month_year"], [21, "top_drivers_fines_by_month"],
  [22, "top_drivers_salary_efficiency"], [23, "seasonal_fines"],
];
const name = (n: number) => OLD.find((e) => e[0] === n)![1];
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const COMMON = [...range(1, 11), ...range(16, 23)];

const MATRIX: Record<string, number[]> = {
  logistics: [...COMMON, 12],
  construction: [...COMMON, 14],
  pharma: [...COMMON, 13],
  retail: COMMON,
  taxi: COMMON,
  delivery: COMMON,
  buses: COMMON,
  carsharing: [...COMMON.filter((n) => ![5, 6, 7, 10, 21, 22, 23].includes(n)), 15],
  other: COMMON,
};

test("every old analysis type is registered with its number, engine and function", async () => {
  const rows = await sql<{ analysis_type: string; engine: string; fn: string | null; sort_order: number }[]>`
    select analysis_type, engine, fn::text as fn, sort_order from fleet.analysis_types where sort_order <= 23 order by sort_order`;
  assert.deepEqual(rows.map((r) => [r.sort_order, r.analysis_type]), OLD);
  for (const r of rows) {
    if (r.sort_order === 8 || r.sort_order === 9) {
      assert.equal(r.engine, "ts", r.analysis_type);
      assert.equal(r.fn, null, r.analysis_type);
    } else {
      assert.equal(r.engine, "sql", r.analysis_type);
      assert.equal(r.fn, `fleet.analysis_${r.analysis_type}(text,date)`);
    }
  }
});

test("the matrix covers exactly the nine industries", async () => {
  const rows = await sql<{ code: string }[]>`select code from fleet.industries order by code`;
  assert.deepEqual(rows.map((r) => r.code), Object.keys(MATRIX).sort());
});

for (const [industry, numbers] of Object.entries(MATRIX)) {
  test(`${industry}: exactly its old analyses`, async () => {
    const rows = await sql<{ analysis_type: string }[]>`
      select a.analysis_type
      from fleet.analyses a
      join fleet.analysis_types t using (analysis_type)
      where a.industry = ${industry} and t.sort_order <= 23
      order by t.sort_order`;
    assert.deepEqual(rows.map((r) => r.analysis_type), [...numbers].sort((a, b) => a - b).map(name));
    // The Russian name resolves to the same set (clients may be stored either way upstream).
    const [{ code }] = await sql<{ code: string }[]>`
      select fleet.industry_code(i.name_ru) as code from fleet.industries i where i.code = ${industry}`;
    assert.equal(code, industry);
  });
}

test("fleet.client_analyses follows the client's industry", async () => {
  await sql`insert into fleet.clients (client_id, industry) values ('m_carsharing', 'carsharing'), ('m_pharma', 'pharma')`;
  const cs = await sql<{ analysis_type: string }[]>`select analysis_type from fleet.client_analyses('m_carsharing') where sort_order <= 23`;
  assert.deepEqual(cs.map((r) => r.analysis_type), MATRIX.carsharing.sort((a, b) => a - b).map(name));
  await sql`update fleet.clients set industry = 'logistics' where client_id = 'm_pharma'`;
  const lg = await sql<{ analysis_type: string }[]>`select analysis_type from fleet.client_analyses('m_pharma') where sort_order <= 23`;
  assert.deepEqual(lg.map((r) => r.analysis_type), MATRIX.logistics.sort((a, b) => a - b).map(name));
});

test("re-running the registry changes nothing and keeps other files' rows", async () => {
  const before = await sql<{ n: string }[]>`select count(*) as n from fleet.analyses`;
  const { readFileSync } = await import("node:fs");
  const { join, dirname } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  await sql.unsafe(readFileSync(join(root, "sql/analysis_registry.sql"), "utf8"));
  const after2 = await sql<{ n: string }[]>`select count(*) as n from fleet.analyses`;
  assert.equal(after2[0].n, before[0].n);
});
