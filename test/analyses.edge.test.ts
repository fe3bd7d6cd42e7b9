// Edge cases of the SQL analyses: a client with no rows (every analysis {}), an unknown client,
// one vehicle in one month, drivers with no salary, all-zero fuel and kilometres, one paid driver,
// the current unfinished year (as_of inside a month), and no NaN/Infinity anywhere. Expected JSON
// is written out by hand; key order is checked against the raw json text.
// Run: node --import tsx --test test/analyses.edge.test.ts (or npm test)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import postgres from "postgres";
import { connect, type Sql } from "../src/db/connection.js";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { freshDatabase } from "./helpers/db.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function database(): Promise<Sql> {
  if (process.env.FLEETSIGHT_TEST_SERVER) return (await freshDatabase()).sql;
  const server = process.env.DATABASE_URL || "postgres://root@127.0.0.1:5432/postgres";
  const name = `fs_an_t_${randomBytes(5).toString("hex")}`;
  const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(server, name);
  await migrateDatabase(url, { includeCurrent: true });
  const sql = connect(url, { max: 4, appName: "fleetsight-test" });
  after(async () => {
    await sql.end({ timeout: 5 });
    if (!process.env.KEEP_TEST_DB) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return sql;
}

const sql = await database();

const ANALYSES = [
  "high_salary_data", "expenses_data", "expenses_with_market_avg", "fuel_effectiveness", "salary_effectiveness",
  "month_drivers_fine", "year_drivers_fine", "salary_data", "fuel_km_per_month", "logistic_expenses_by_month",
  "pharma_expenses_by_month", "building_expenses_by_month", "vehicle_usage_by_month", "downtime_find",
  "aggregated_expenses_by_month_year", "vehicle_efficiency_per_year", "amortization_by_month_year",
  "repair_expenses_by_month_year", "top_drivers_fines_by_month", "top_drivers_salary_efficiency", "seasonal_fines",
];

async function run(name: string, clientId: string, asOf: string): Promise<string> {
  const [r] = await sql.unsafe<{ j: string }[]>(`select fleet.analysis_${name}($1, $2::date)::text as j`, [clientId, asOf]);
  return r.j;
}

/** Keys of a json text in document order. */
function textKeys(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => JSON.parse(`"${m[1]}"`));
}
/** Keys of an expected value in document order (integer-like keys only ever appear sorted here). */
function valueKeys(v: unknown): string[] {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [k, ...valueKeys(x)]);
}
function approx(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: ${JSON.stringify(actual)}`);
    assert.ok(Math.abs((actual as number) - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${path}: ${actual} ≠ ${expected}`);
  } else if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${path}: object expected`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [k, x] of Object.entries(expected)) approx((actual as Record<string, unknown>)[k], x, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}
async function expectJson(name: string, clientId: string, asOf: string, expected: unknown): Promise<void> {
  const text = await run(name, clientId, asOf);
  assert.doesNotMatch(text, /NaN|Infinity/, name);
  approx(JSON.parse(text), expected, name);
  assert.deepEqual(textKeys(text), valueKeys(expected), `${name}: key order`);
}

const market = parseCsv(readFileSync(join(root, "reference/market_averages.csv"), "utf8"), { columns: true }) as Record<string, string>[];
const fields = parseCsv(readFileSync(join(root, "reference/fields.csv"), "utf8"), { columns: true }) as Record<string, string>[];
const money = new Set(fields.filter((f) => f.type === "money" && f.table === "expenses").map((f) => f.field));
const taxi = (cat: string) => Number(market.find((m) => m.industry === "Такси" && m.category === cat)!.avg_per_vehicle_day_rub);
const taxiTotal = market.filter((m) => m.industry === "Такси" && money.has(m.category)).reduce((s, m) => s + Number(m.avg_per_vehicle_day_rub), 0);

const V = "А111АА77";
const zeroQuarters = { "1 квартал": 0, "2 квартал": 0, "3 квартал": 0, "4 квартал": 0 };

before(async () => {
  await sql`
    insert into fleet.clients (client_id, industry, year_budget) values
      ('e_empty', 'logistics', 1000000), ('e_one', 'taxi', null), ('e_zero', 'other', 0), ('e_now', 'buses', 500000)`;
  await sql`
    insert into fleet.expenses (client_id, gov_number, date, driver, daily_distance, fuel, calculated_salary, repair, parking, other_cost, fines) values
      ('e_one', ${V}, '2024-05-02', 'Водитель А', 100, 0, 0, 1000, 0, 0, 0),
      ('e_one', ${V}, '2024-05-03', 'Водитель А', 0, 0, 0, 0, 200, 0, 0),
      ('e_one', ${V}, '2024-05-04', '', 50, 0, 0, 0, 0, 300, 0),
      ('e_zero', ${V}, '2024-01-10', 'Б', 0, 0, 5000, 0, 0, 0, 0),
      ('e_now', ${V}, '2026-01-15', 'В', 10, 100, 0, 0, 0, 0, 500),
      ('e_now', ${V}, '2026-06-10', 'В', 20, 300, 0, 0, 0, 0, 0),
      ('e_now', ${V}, '2026-06-20', 'В', 40, 900, 0, 0, 0, 0, 0),
      ('e_now', ${V}, '2026-11-01', 'В', 80, 2700, 0, 0, 0, 0, 0)`;
});

test("a client without rows: every analysis is {}", async () => {
  for (const name of ANALYSES) {
    assert.equal(await run(name, "e_empty", "2024-12-31"), "{}", name);
    const [r] = await sql<{ j: string }[]>`select fleet.run_analysis(${name}, 'e_empty', '2024-12-31')::text as j`;
    assert.equal(r.j, "{}", name);
  }
});

test("an unknown client and a date before any row: {}", async () => {
  for (const name of ANALYSES) {
    assert.equal(await run(name, "nobody", "2024-12-31"), "{}", name);
    assert.equal(await run(name, "e_one", "2024-05-01"), "{}", `${name} before the first row`);
  }
});

test("one vehicle, one month, a driver without salary, no fuel", async () => {
  const c = "e_one";
  const d = "2024-12-31";
  await expectJson("high_salary_data", c, d, { "2024-05": {} });
  await expectJson("expenses_data", c, d, {
    "2024": { all_expenses: 1500, expenses_related_plan: null, expenses_structure: { repair: 1000 / 1500, other_cost: 300 / 1500, parking: 200 / 1500 } },
  });
  await expectJson("expenses_with_market_avg", c, d, {
    "2024": {
      all_expenses: 1500,
      expenses_related_average_market: 1500 / 3 / taxiTotal,
      expenses_structure: { repair: 1000 / 3 / taxi("repair"), other_cost: 300 / 3 / taxi("other_cost"), parking: 200 / 3 / taxi("parking") },
    },
  });
  await expectJson("fuel_effectiveness", c, d, { "2024-05": { [V]: null } });
  await expectJson("salary_effectiveness", c, d, { "2024-05": { "Водитель А": null } });
  await expectJson("month_drivers_fine", c, d, {});
  await expectJson("year_drivers_fine", c, d, { "2024": { "Водитель А": 0 } });
  await expectJson("salary_data", c, d, { "2024": { "05": { "Водитель А": 0 } } });
  await expectJson("fuel_km_per_month", c, d, { "2024": { "05": { fuel_in_month: 0, distance_in_month: 150, fuel_effectiveness_in_month: 0 } } });
  await expectJson("logistic_expenses_by_month", c, d, { "2024": { "05": { cargo_insurance: 0, temp_control_maintenance: 0, customs_fees: 0, transloading_fees: 0 } } });
  await expectJson("pharma_expenses_by_month", c, d, { "2024": { "05": { sterialization_cost: 0, pharma_licenses_cost: 0, temperature_control_maintance: 0 } } });
  await expectJson("building_expenses_by_month", c, d, { "2024": { "05": { bucket_parts: 0, special_lubricants: 0 } } });
  await expectJson("vehicle_usage_by_month", c, d, { "2024": { "05": { [V]: { days_used: 2, total_distance: 150 } } } });
  await expectJson("downtime_find", c, d, { "2024": { "05": { [V]: { sum: 200, count: 1 } } } });
  await expectJson("aggregated_expenses_by_month_year", c, d, { "2024": { "05": { repair: 1000, parking: 200, other_cost: 300 } } });
  await expectJson("vehicle_efficiency_per_year", c, d, { "2024": { [V]: 10 } });
  await expectJson("amortization_by_month_year", c, d, { "2024": { "05": { amortization: 0 } } });
  await expectJson("repair_expenses_by_month_year", c, d, { "2024": { "05": { total: 1000, structure: { repair: 1000 } } } });
  await expectJson("top_drivers_fines_by_month", c, d, {});
  await expectJson("top_drivers_salary_efficiency", c, d, {});
  await expectJson("seasonal_fines", c, d, { "2024": { monthly_fines: { "05": 0 }, seasonal_sums: zeroQuarters, max_season: null } });
});

test("no kilometres and no fuel; one paid driver is never flagged; a single driver-month scores null", async () => {
  const c = "e_zero";
  const d = "2024-12-31";
  await expectJson("high_salary_data", c, d, { "2024-01": {} });
  await expectJson("expenses_data", c, d, { "2024": { all_expenses: 5000, expenses_related_plan: null, expenses_structure: { calculated_salary: 1 } } });
  await expectJson("fuel_effectiveness", c, d, { "2024-01": { [V]: null } });
  await expectJson("salary_effectiveness", c, d, { "2024-01": { "Б": 0 } });
  await expectJson("fuel_km_per_month", c, d, { "2024": { "01": { fuel_in_month: 0, distance_in_month: 0, fuel_effectiveness_in_month: null } } });
  await expectJson("vehicle_usage_by_month", c, d, {});
  await expectJson("downtime_find", c, d, { "2024": { "01": { [V]: { sum: 5000, count: 1 } } } });
  await expectJson("vehicle_efficiency_per_year", c, d, { "2024": { [V]: 0 } });
  await expectJson("top_drivers_salary_efficiency", c, d, { "2024": { "01": { "Б": null } } });
  await expectJson("repair_expenses_by_month_year", c, d, { "2024": { "01": { total: 0, structure: {} } } });
  await expectJson("aggregated_expenses_by_month_year", c, d, { "2024": { "01": { calculated_salary: 5000 } } });
});

test("the current unfinished year: rows after as_of are ignored, within a month too", async () => {
  const c = "e_now";
  const d = "2026-06-15";
  await expectJson("expenses_data", c, d, { "2026": { all_expenses: 900, expenses_related_plan: 900 / 500000, expenses_structure: { fines: 500 / 900, fuel: 400 / 900 } } });
  await expectJson("fuel_km_per_month", c, d, {
    "2026": { "01": { fuel_in_month: 100, distance_in_month: 10, fuel_effectiveness_in_month: 10 }, "06": { fuel_in_month: 300, distance_in_month: 20, fuel_effectiveness_in_month: 15 } },
  });
  await expectJson("seasonal_fines", c, d, {
    "2026": { monthly_fines: { "01": 500, "06": 0 }, seasonal_sums: { ...zeroQuarters, "1 квартал": 500 }, max_season: "1 квартал" },
  });
  await expectJson("year_drivers_fine", c, d, { "2026": { "В": 500 } });
  await expectJson("month_drivers_fine", c, d, { "2026-01": { "В": 500 } });
  await expectJson("top_drivers_fines_by_month", c, d, { "2026": { "01": { "В": { sum: 500, count: 1 } } } });
  // The whole year once it is over.
  await expectJson("vehicle_efficiency_per_year", c, "2026-12-31", { "2026": { [V]: (150 / 4500) * 100 } });
});

test("no NaN or Infinity anywhere, every result parses", async () => {
  for (const c of ["e_empty", "e_one", "e_zero", "e_now"]) {
    for (const d of ["2024-01-10", "2024-12-31", "2026-06-15", "2030-01-01"]) {
      for (const name of ANALYSES) {
        const text = await run(name, c, d);
        assert.doesNotMatch(text, /NaN|Infinity/, `${name} ${c} ${d}`);
        assert.equal(typeof JSON.parse(text), "object", `${name} ${c} ${d}`);
      }
    }
  }
});
