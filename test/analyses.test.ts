// The SQL analyses (ANALYSES.md #1–7, 10–23) against an independent, straightforward TypeScript
// implementation of the contract, on a small hand-made dataset: 4 vehicles, 5 drivers (the Tukey
// fence needs at least 5 paid drivers in a month to be able to flag anyone) plus rows without a
// driver, two years, every money category, zero-km days, fines, one inflated salary, vehicle-days
// with two drivers' rows, a driver fined on two vehicles the same day, rows after as_of.
// Expected values are computed here from the rows (never by the SQL under test), compared
// value by value (money exactly, ratios to 1e-12 relative) AND in key order, read from the raw json
// text (JS objects would reorder integer-like keys such as years).
// Run: node --import tsx --test test/analyses.test.ts (or npm test)
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

// ---------------------------------------------------------------------------------------------
// Database: the shared harness (npm test) or, run on its own, a scratch migrated database.
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

// ---------------------------------------------------------------------------------------------
// Ordered JSON: objects as entry lists, so key order can be compared.
class O {
  constructor(public entries: [string, J][]) {}
}
type J = null | boolean | number | string | J[] | O;

function parseOrdered(text: string): J {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const value = (): J => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      const entries: [string, J][] = [];
      ws();
      if (text[i] === "}") {
        i++;
        return new O(entries);
      }
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== "string") throw new Error(`key expected at ${i}`);
        ws();
        if (text[i++] !== ":") throw new Error(`: expected at ${i}`);
        entries.push([k, value()]);
        ws();
        const sep = text[i++];
        if (sep === "}") return new O(entries);
        if (sep !== ",") throw new Error(`, expected at ${i}`);
      }
    }
    if (ch === "[") {
      i++;
      const items: J[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        ws();
        const sep = text[i++];
        if (sep === "]") return items;
        if (sep !== ",") throw new Error(`, expected at ${i}`);
      }
    }
    if (ch === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    }
    const m = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) throw new Error(`unexpected ${text.slice(i, i + 20)} at ${i}`);
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error("trailing text");
  return v;
}

function assertSame(actual: J, expected: J, path = "$"): void {
  if (expected instanceof O) {
    assert.ok(actual instanceof O, `${path}: expected an object, got ${JSON.stringify(actual)}`);
    const ak = actual.entries.map((e) => e[0]);
    const ek = expected.entries.map((e) => e[0]);
    assert.deepEqual(ak, ek, `${path}: keys (in order)`);
    for (let k = 0; k < ek.length; k++) assertSame(actual.entries[k][1], expected.entries[k][1], `${path}.${ek[k]}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, k) => assertSame((actual as J[])[k], e, `${path}[${k}]`));
    return;
  }
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: expected number ${expected}, got ${JSON.stringify(actual)}`);
    const a = actual as number;
    assert.ok(Math.abs(a - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${path}: ${a} ≠ ${expected}`);
    return;
  }
  assert.equal(actual, expected, path);
}

const o = (entries: [string, J][]): O => new O(entries);

// ---------------------------------------------------------------------------------------------
// Reference data (the same CSVs the database is seeded from).
const fields = parseCsv(readFileSync(join(root, "reference/fields.csv"), "utf8"), { columns: true }) as Record<string, string>[];
const CATS = fields.filter((f) => f.type === "money" && f.table === "expenses").map((f) => f.field);
const REPAIR = fields.filter((f) => f.type === "money" && f.table === "expenses" && f.counts_as_repair === "true").map((f) => f.field);
const marketRows = parseCsv(readFileSync(join(root, "reference/market_averages.csv"), "utf8"), { columns: true }) as Record<string, string>[];
const MARKET: Record<string, number> = {};
for (const r of marketRows) if (r.industry === "Логистика" && CATS.includes(r.category)) MARKET[r.category] = Number(r.avg_per_vehicle_day_rub);

// ---------------------------------------------------------------------------------------------
// The dataset. Money in kopecks and km in hundredths (integers: sums are exact).
interface Row {
  gov: string;
  date: string;
  driver: string;
  km: number;
  c: Record<string, number>;
}

const CLIENT = "acme";
const BUDGET = 60_000_000; // rubles
const AS_OF = "2024-12-20";
const VEHICLES = ["А001АА77", "В002ВВ77", "Е003ЕЕ77", "К004КК77"];
const DRIVERS = ["Иванов Иван", "Петров Пётр", "Сидоров Сидор", "Кузнецов Кузьма", "Смирнов Семён"];
const DAYS = [1, 4, 9, 15, 22, 28];

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildRows(): Row[] {
  const rnd = mulberry32(20240317);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const rows: Row[] = [];
  for (let mi = 0; mi < 24; mi++) {
    const y = 2023 + Math.floor(mi / 12);
    const m = (mi % 12) + 1;
    for (const d of DAYS) {
      for (let v = 0; v < VEHICLES.length; v++) {
        const date = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const driver = v === 3 && d === 9 ? "" : DRIVERS[(v + mi + (d > 15 ? 1 : 0)) % DRIVERS.length];
        const km = rnd() < 0.15 ? 0 : int(5000, 30000);
        const c: Record<string, number> = {};
        for (const cat of CATS) c[cat] = 0;
        c.fuel = km > 0 ? Math.round(km * (9 + rnd() * 2)) : rnd() < 0.3 ? int(100000, 300000) : 0;
        c.calculated_salary = driver === "" ? 0 : int(20, 26) * 10000; // whole rubles
        if (rnd() < 0.2) c.fines = [50000, 100000, 150000][int(0, 2)];
        for (const cat of CATS) {
          if (cat === "fuel" || cat === "calculated_salary" || cat === "fines") continue;
          if (rnd() < 0.06) c[cat] = int(100, 5_000_000);
        }
        rows.push({ gov: VEHICLES[v], date, driver, km, c });
      }
    }
  }
  const at = (gov: string, date: string) => rows.find((r) => r.gov === gov && r.date === date)!;
  // Every category at least once.
  CATS.forEach((cat, k) => {
    at(VEHICLES[k % 4], `2023-06-${String(DAYS[k % 6]).padStart(2, "0")}`).c[cat] += 12345 + k;
  });
  // An inflated salary: Смирнов in 2024-03 paid ten times the usual.
  for (const r of rows) if (r.driver === "Смирнов Семён" && r.date.startsWith("2024-03")) r.c.calculated_salary *= 10;
  // A vehicle-day with two drivers: one drove, the other's row has no km (not downtime).
  const driven = at(VEHICLES[1], "2024-05-04");
  driven.km = 12345;
  rows.push({ gov: VEHICLES[1], date: "2024-05-04", driver: DRIVERS.find((x) => x !== driven.driver)!, km: 0, c: { ...zero(), parking: 50000, fines: 100000 } });
  // A vehicle-day with two drivers and no km at all (downtime, counted once).
  const idle = at(VEHICLES[2], "2024-07-09");
  idle.km = 0;
  rows.push({ gov: VEHICLES[2], date: "2024-07-09", driver: DRIVERS.find((x) => x !== idle.driver)!, km: 0, c: { ...zero(), insurance: 70000 } });
  // A driver fined on two vehicles the same day: one day with fines.
  const first = at(VEHICLES[0], "2023-08-15");
  first.c.fines = 50000;
  const second = at(VEHICLES[2], "2023-08-15");
  if (second.driver === first.driver) second.c.fines = 100000;
  else rows.push({ gov: VEHICLES[2], date: "2023-08-15", driver: first.driver, km: 1000, c: { ...zero(), fines: 100000, fuel: 10000 } });
  // Rows after as_of (ignored): later in December and in January.
  rows.push({ gov: VEHICLES[0], date: "2025-01-09", driver: DRIVERS[0], km: 10000, c: { ...zero(), fuel: 900000, fines: 500000 } });
  return rows;
}

function zero(): Record<string, number> {
  const c: Record<string, number> = {};
  for (const cat of CATS) c[cat] = 0;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Reference implementation of the contract (ANALYSES.md), straightforward loops.
const rub = (kopecks: number) => kopecks / 100;
const km = (hundredths: number) => hundredths / 100;
const total = (r: Row) => CATS.reduce((s, cat) => s + r.c[cat], 0);
const ym = (r: Row) => r.date.slice(0, 7);
const yr = (r: Row) => r.date.slice(0, 4);
const mm = (r: Row) => r.date.slice(5, 7);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const uniq = <T>(xs: T[]) => [...new Set(xs)];
const sorted = (xs: string[]) => uniq(xs).sort(byName);
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);
const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** Linear-interpolation quantile (percentile_cont). */
function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

/** year → month → rows built by f, for every month with rows. */
function yearMonth(rows: Row[], f: (monthRows: Row[]) => J | undefined): O {
  return o(
    sorted(rows.map(yr))
      .map((y): [string, J] => [
        y,
        o(
          sorted(rows.filter((r) => yr(r) === y).map(mm))
            .map((m): [string, J | undefined] => [m, f(rows.filter((r) => yr(r) === y && mm(r) === m))])
            .filter((e): e is [string, J] => e[1] !== undefined),
        ),
      ])
      .filter((e) => (e[1] as O).entries.length > 0),
  );
}

interface DriverMonth {
  driver: string;
  ym: string;
  salary: number;
  fines: number;
  km: number;
  fineDays: number;
}
function driverMonths(rows: Row[]): DriverMonth[] {
  const out: DriverMonth[] = [];
  for (const month of sorted(rows.map(ym))) {
    const mr = rows.filter((r) => ym(r) === month && r.driver !== "");
    for (const d of sorted(mr.map((r) => r.driver))) {
      const dr = mr.filter((r) => r.driver === d);
      out.push({
        driver: d,
        ym: month,
        salary: sum(dr, (r) => r.c.calculated_salary),
        fines: sum(dr, (r) => r.c.fines),
        km: sum(dr, (r) => r.km),
        fineDays: uniq(dr.filter((r) => r.c.fines > 0).map((r) => r.date)).length,
      });
    }
  }
  return out;
}

interface VehicleDay {
  gov: string;
  date: string;
  km: number;
  total: number;
}
function vehicleDays(rows: Row[]): VehicleDay[] {
  const map = new Map<string, VehicleDay>();
  for (const r of rows) {
    const k = `${r.gov}|${r.date}`;
    const vd = map.get(k) ?? { gov: r.gov, date: r.date, km: 0, total: 0 };
    vd.km += r.km;
    vd.total += total(r);
    map.set(k, vd);
  }
  return [...map.values()];
}

function expected(all: Row[], budget: number | null): Record<string, J> {
  const rows = all.filter((r) => r.date <= AS_OF);
  if (rows.length === 0) return {};
  const years = sorted(rows.map(yr));
  const months = sorted(rows.map(ym));
  const dms = driverMonths(rows);
  const vds = vehicleDays(rows);
  const catOrder = (a: string, b: string) => CATS.indexOf(a) - CATS.indexOf(b);
  const present = CATS.filter((cat) => rows.some((r) => r.c[cat] !== 0));
  const res: Record<string, J> = {};

  // 1. high_salary_data
  res.high_salary_data = o(
    months.map((m): [string, J] => {
      const paid = dms.filter((d) => d.ym === m && d.salary > 0);
      const sal = paid.map((d) => rub(d.salary));
      const q1 = paid.length ? quantile(sal, 0.25) : 0;
      const q3 = paid.length ? quantile(sal, 0.75) : 0;
      const fence = q3 + 3 * (q3 - q1);
      const flagged = paid
        .filter((d) => rub(d.salary) > fence)
        .sort((a, b) => b.salary - a.salary || byName(a.driver, b.driver));
      return [
        m,
        o(
          flagged.map((d): [string, J] => {
            const median = quantile(dms.filter((x) => x.driver === d.driver && x.salary > 0).map((x) => rub(x.salary)), 0.5);
            return [d.driver, o([["median", Math.round(median * 100) / 100], ["value", rub(d.salary)]])];
          }),
        ),
      ];
    }),
  );

  // 2. expenses_data, 3. expenses_with_market_avg
  const yearCats = (y: string) =>
    CATS.map((cat) => ({ cat, amount: sum(rows.filter((r) => yr(r) === y), (r) => r.c[cat]) }))
      .filter((x) => x.amount !== 0)
      .sort((a, b) => b.amount - a.amount || catOrder(a.cat, b.cat));
  const marketTotal = sum(Object.values(MARKET), (x) => x);
  res.expenses_data = o(
    years.map((y): [string, J] => {
      const all = sum(rows.filter((r) => yr(r) === y), total);
      return [
        y,
        o([
          ["all_expenses", rub(all)],
          ["expenses_related_plan", budget ? rub(all) / budget : null],
          ["expenses_structure", o(yearCats(y).map((x): [string, J] => [x.cat, x.amount / all]))],
        ]),
      ];
    }),
  );
  res.expenses_with_market_avg = o(
    years.map((y): [string, J] => {
      const all = sum(rows.filter((r) => yr(r) === y), total);
      const nvd = vds.filter((v) => v.date.startsWith(y)).length;
      return [
        y,
        o([
          ["all_expenses", rub(all)],
          ["expenses_related_average_market", rub(all) / nvd / marketTotal],
          ["expenses_structure", o(yearCats(y).map((x): [string, J] => [x.cat, MARKET[x.cat] ? rub(x.amount) / nvd / MARKET[x.cat] : null]))],
        ]),
      ];
    }),
  );

  // 4. fuel_effectiveness, 5. salary_effectiveness
  res.fuel_effectiveness = o(
    months.map((m): [string, J] => {
      const mr = rows.filter((r) => ym(r) === m);
      return [m, o(sorted(mr.map((r) => r.gov)).map((g): [string, J] => {
        const vr = mr.filter((r) => r.gov === g);
        return [g, ratio(km(sum(vr, (r) => r.km)), rub(sum(vr, (r) => r.c.fuel)))];
      }))];
    }),
  );
  res.salary_effectiveness = o(
    uniq(dms.map((d) => d.ym)).map((m): [string, J] => [
      m,
      o(dms.filter((d) => d.ym === m).map((d): [string, J] => [d.driver, ratio(km(d.km), rub(d.salary))])),
    ]),
  );

  // 6. month_drivers_fine, 7. year_drivers_fine
  res.month_drivers_fine = o(
    uniq(dms.map((d) => d.ym))
      .map((m): [string, J] => [
        m,
        o(dms.filter((d) => d.ym === m && d.fines !== 0).sort((a, b) => b.fines - a.fines || byName(a.driver, b.driver)).map((d): [string, J] => [d.driver, rub(d.fines)])),
      ])
      .filter((e) => (e[1] as O).entries.length > 0),
  );
  res.year_drivers_fine = o(
    years.map((y): [string, J] => {
      const ds = sorted(dms.filter((d) => d.ym.startsWith(y)).map((d) => d.driver)).map((driver) => ({
        driver,
        fines: sum(dms.filter((d) => d.ym.startsWith(y) && d.driver === driver), (d) => d.fines),
      }));
      ds.sort((a, b) => b.fines - a.fines || byName(a.driver, b.driver));
      return [y, o(ds.map((d): [string, J] => [d.driver, rub(d.fines)]))];
    }),
  );

  // 10. salary_data
  res.salary_data = yearMonth(rows, (mr) => {
    const ds = sorted(mr.filter((r) => r.driver !== "").map((r) => r.driver));
    if (ds.length === 0) return undefined;
    return o(ds.map((d): [string, J] => [d, rub(sum(mr.filter((r) => r.driver === d), (r) => r.c.calculated_salary))]));
  });

  // 11. fuel_km_per_month
  res.fuel_km_per_month = yearMonth(rows, (mr) => {
    const fuel = rub(sum(mr, (r) => r.c.fuel));
    const dist = km(sum(mr, (r) => r.km));
    return o([["fuel_in_month", fuel], ["distance_in_month", dist], ["fuel_effectiveness_in_month", ratio(fuel, dist)]]);
  });

  // 12–14. industry categories under the old keys
  const keys = (pairs: [string, string][]) => (mr: Row[]) => o(pairs.map(([key, cat]): [string, J] => [key, rub(sum(mr, (r) => r.c[cat]))]));
  res.logistic_expenses_by_month = yearMonth(rows, keys([["cargo_insurance", "cargo_insurance"], ["temp_control_maintenance", "temp_control_maintenance"], ["customs_fees", "customs_fees"], ["transloading_fees", "transloading_fees"]]));
  res.pharma_expenses_by_month = yearMonth(rows, keys([["sterialization_cost", "sterilization_costs"], ["pharma_licenses_cost", "pharma_licenses"], ["temperature_control_maintance", "temp_control_maintenance"]]));
  res.building_expenses_by_month = yearMonth(rows, keys([["bucket_parts", "bucket_parts"], ["special_lubricants", "special_lubricants"]]));

  // 15. vehicle_usage_by_month, 16. downtime_find (vehicle-day grain)
  const vdYearMonth = (f: (g: string, days: VehicleDay[]) => J | undefined) =>
    yearMonth(rows, (mr) => {
      const month = ym(mr[0]);
      const entries = sorted(mr.map((r) => r.gov))
        .map((g): [string, J | undefined] => [g, f(g, vds.filter((v) => v.gov === g && v.date.startsWith(month)))])
        .filter((e): e is [string, J] => e[1] !== undefined);
      return entries.length ? o(entries) : undefined;
    });
  res.vehicle_usage_by_month = vdYearMonth((_g, days) => {
    const used = days.filter((d) => d.km > 0);
    return used.length ? o([["days_used", used.length], ["total_distance", km(sum(used, (d) => d.km))]]) : undefined;
  });
  res.downtime_find = vdYearMonth((_g, days) => {
    const idle = days.filter((d) => d.km === 0);
    return idle.length ? o([["sum", rub(sum(idle, (d) => d.total))], ["count", idle.length]]) : undefined;
  });

  // 17. aggregated_expenses_by_month_year
  res.aggregated_expenses_by_month_year = yearMonth(rows, (mr) => o(present.map((cat): [string, J] => [cat, rub(sum(mr, (r) => r.c[cat]))])));

  // 18. vehicle_efficiency_per_year
  res.vehicle_efficiency_per_year = o(
    years.map((y): [string, J] => {
      const yrRows = rows.filter((r) => yr(r) === y);
      return [y, o(sorted(yrRows.map((r) => r.gov)).map((g): [string, J] => {
        const vr = yrRows.filter((r) => r.gov === g);
        const t = rub(sum(vr, total));
        return [g, t === 0 ? null : (km(sum(vr, (r) => r.km)) / t) * 100];
      }))];
    }),
  );

  // 19. amortization_by_month_year, 20. repair_expenses_by_month_year
  res.amortization_by_month_year = yearMonth(rows, (mr) => o([["amortization", rub(sum(mr, (r) => r.c.amortization))]]));
  res.repair_expenses_by_month_year = yearMonth(rows, (mr) =>
    o([
      ["total", rub(sum(mr, (r) => sum(REPAIR, (cat) => r.c[cat])))],
      ["structure", o(REPAIR.filter((cat) => present.includes(cat)).map((cat): [string, J] => [cat, rub(sum(mr, (r) => r.c[cat]))]))],
    ]),
  );

  // 21. top_drivers_fines_by_month
  res.top_drivers_fines_by_month = yearMonth(rows, (mr) => {
    const month = ym(mr[0]);
    const ds = dms.filter((d) => d.ym === month && d.fines !== 0).sort((a, b) => b.fines - a.fines || byName(a.driver, b.driver));
    return ds.length ? o(ds.map((d): [string, J] => [d.driver, o([["sum", rub(d.fines)], ["count", d.fineDays]])])) : undefined;
  });

  // 22. top_drivers_salary_efficiency
  const eff = dms.filter((d) => d.salary > 0).map((d) => ({ ...d, e: km(d.km) / rub(d.salary) }));
  const lo = Math.min(...eff.map((d) => d.e));
  const hi = Math.max(...eff.map((d) => d.e));
  res.top_drivers_salary_efficiency = yearMonth(rows, (mr) => {
    const month = ym(mr[0]);
    const ds = eff
      .filter((d) => d.ym === month)
      .map((d) => ({ driver: d.driver, score: hi === lo ? null : (d.e - lo) / (hi - lo) }))
      .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || byName(a.driver, b.driver));
    return ds.length ? o(ds.map((d): [string, J] => [d.driver, d.score])) : undefined;
  });

  // 23. seasonal_fines
  res.seasonal_fines = o(
    years.map((y): [string, J] => {
      const yrRows = rows.filter((r) => yr(r) === y);
      const quarters = [1, 2, 3, 4].map((q) => sum(yrRows.filter((r) => Math.ceil(Number(mm(r)) / 3) === q), (r) => r.c.fines));
      const max = Math.max(...quarters);
      return [
        y,
        o([
          ["monthly_fines", o(sorted(yrRows.map(mm)).map((m): [string, J] => [m, rub(sum(yrRows.filter((r) => mm(r) === m), (r) => r.c.fines))]))],
          ["seasonal_sums", o(quarters.map((s, k): [string, J] => [`${k + 1} квартал`, rub(s)]))],
          ["max_season", max === 0 ? null : `${quarters.indexOf(max) + 1} квартал`],
        ]),
      ];
    }),
  );
  return res;
}

// ---------------------------------------------------------------------------------------------
export const ANALYSES = [
  "high_salary_data", "expenses_data", "expenses_with_market_avg", "fuel_effectiveness", "salary_effectiveness",
  "month_drivers_fine", "year_drivers_fine", "salary_data", "fuel_km_per_month", "logistic_expenses_by_month",
  "pharma_expenses_by_month", "building_expenses_by_month", "vehicle_usage_by_month", "downtime_find",
  "aggregated_expenses_by_month_year", "vehicle_efficiency_per_year", "amortization_by_month_year",
  "repair_expenses_by_month_year", "top_drivers_fines_by_month", "top_drivers_salary_efficiency", "seasonal_fines",
];

// Top level, not in before(): the database helpers register their after() cleanup on the file.
const sql: Sql = await database();
const ROWS = buildRows();
const EXPECTED = expected(ROWS, BUDGET);

async function insertRows(clientId: string, rows: Row[]): Promise<void> {
  const objs = rows.map((r) => {
    const obj: Record<string, string> = { client_id: clientId, gov_number: r.gov, date: r.date, driver: r.driver, daily_distance: (r.km / 100).toFixed(2) };
    for (const cat of CATS) obj[cat] = (r.c[cat] / 100).toFixed(2);
    return obj;
  });
  for (let k = 0; k < objs.length; k += 200) {
    const chunk = objs.slice(k, k + 200);
    await sql`insert into fleet.expenses ${sql(chunk, Object.keys(chunk[0]) as never)}`;
  }
}

async function run(name: string, clientId: string, asOf: string): Promise<string> {
  const [r] = await sql.unsafe<{ j: string }[]>(`select fleet.analysis_${name}($1, $2::date)::text as j`, [clientId, asOf]);
  return r.j;
}

before(async () => {
  await sql`insert into fleet.clients (client_id, industry, year_budget) values (${CLIENT}, 'logistics', ${BUDGET})`;
  await sql`insert into fleet.vehicles (client_id, gov_number) select ${CLIENT}, unnest(${VEHICLES}::text[])`;
  await insertRows(CLIENT, ROWS);
});

test("the dataset exercises what it should", () => {
  const hs = EXPECTED.high_salary_data as O;
  const flagged = hs.entries.filter((e) => (e[1] as O).entries.length > 0);
  assert.deepEqual(flagged.map((e) => e[0]), ["2024-03"], "exactly the inflated month is flagged");
  assert.deepEqual((flagged[0][1] as O).entries.map((e) => e[0]), ["Смирнов Семён"]);
  assert.ok(ROWS.some((r) => r.date > AS_OF), "rows after as_of exist");
  assert.equal(CATS.length, 34);
  for (const cat of CATS) assert.ok(ROWS.some((r) => r.date <= AS_OF && r.c[cat] !== 0), `category ${cat} used`);
});

test("hand-checked figures agree with the reference implementation", () => {
  // 2024-05, vehicle 2: the two-driver day 2024-05-04 is driven (not downtime).
  const may = (EXPECTED.downtime_find as O).entries.find((e) => e[0] === "2024")![1] as O;
  const mayV2 = ((may.entries.find((e) => e[0] === "05")?.[1] as O | undefined)?.entries ?? []).find((e) => e[0] === VEHICLES[1]);
  const v2days = ROWS.filter((r) => r.gov === VEHICLES[1] && r.date.startsWith("2024-05"));
  const idleDates = uniq(v2days.map((r) => r.date)).filter((d) => v2days.filter((r) => r.date === d).every((r) => r.km === 0));
  assert.ok(!idleDates.includes("2024-05-04"));
  assert.equal(mayV2 ? ((mayV2[1] as O).entries[1][1] as number) : 0, idleDates.length);
  // 2024-07-09, vehicle 3: two rows, one downtime day.
  const jul = (may.entries ? (EXPECTED.downtime_find as O).entries.find((e) => e[0] === "2024")![1] as O : may).entries.find((e) => e[0] === "07")![1] as O;
  const v3 = jul.entries.find((e) => e[0] === VEHICLES[2])![1] as O;
  const v3rows = ROWS.filter((r) => r.gov === VEHICLES[2] && r.date.startsWith("2024-07"));
  const v3idle = uniq(v3rows.map((r) => r.date)).filter((d) => v3rows.filter((r) => r.date === d).every((r) => r.km === 0));
  assert.ok(v3idle.includes("2024-07-09"));
  assert.equal(v3.entries[1][1], v3idle.length);
});

for (const name of ANALYSES) {
  test(`${name}: exact JSON and key order`, async () => {
    const text = await run(name, CLIENT, AS_OF);
    assert.doesNotMatch(text, /NaN|Infinity/);
    JSON.parse(text);
    assertSame(parseOrdered(text), EXPECTED[name]);
  });
}

test("the registered runner gives the same json (fleet.run_analysis)", async () => {
  for (const name of ANALYSES) {
    const [r] = await sql<{ j: string }[]>`select fleet.run_analysis(${name}, ${CLIENT}, ${AS_OF}::date)::text as j`;
    assert.equal(r.j, await run(name, CLIENT, AS_OF), name);
  }
});

test("inside a transaction with the intermediates cache: byte-identical results", async () => {
  const plain: Record<string, string> = {};
  for (const name of ANALYSES) plain[name] = await run(name, CLIENT, AS_OF);
  await sql.begin(async (tx) => {
    await tx`select fleet.expenses_cache_refresh(${CLIENT}, ${AS_OF}::date)`;
    const [c] = await tx<{ n: string }[]>`select count(*) as n from fleet.expenses_cache_expense_months where client_id = ${CLIENT}`;
    assert.ok(Number(c.n) > 0, "the cache is filled");
    for (const name of ANALYSES) {
      const [r] = await tx.unsafe<{ j: string }[]>(`select fleet.analysis_${name}($1, $2::date)::text as j`, [CLIENT, AS_OF]);
      assert.equal(r.j, plain[name], name);
    }
    // Refreshing twice in one transaction is fine, and another as_of is not served from the cache.
    await tx`select fleet.expenses_cache_refresh(${CLIENT}, ${AS_OF}::date)`;
    const [r] = await tx<{ j: string }[]>`select fleet.analysis_expenses_data(${CLIENT}, '2023-12-31')::text as j`;
    assert.deepEqual(Object.keys(JSON.parse(r.j)), ["2023"]);
  });
  // Outside that transaction the (now stale-able) cache is ignored: new rows show up at once.
  await insertRows(CLIENT, [{ gov: VEHICLES[0], date: "2024-12-19", driver: DRIVERS[0], km: 0, c: { ...zero(), fines: 777700 } }]);
  try {
    const j = JSON.parse(await run("seasonal_fines", CLIENT, AS_OF));
    const before = (EXPECTED.seasonal_fines as O).entries.find((e) => e[0] === "2024")![1] as O;
    const dec = ((before.entries[0][1] as O).entries.find((e) => e[0] === "12")![1] as number);
    assert.equal(j["2024"].monthly_fines["12"], Math.round((dec + 7777) * 100) / 100);
  } finally {
    await sql`delete from fleet.expenses where client_id = ${CLIENT} and date = '2024-12-19' and gov_number = ${VEHICLES[0]} and driver = ${DRIVERS[0]}`;
  }
});

test("deterministic: the same call twice gives byte-identical json", async () => {
  for (const name of ANALYSES) assert.equal(await run(name, CLIENT, AS_OF), await run(name, CLIENT, AS_OF), name);
});

test("as_of cuts rows: the same data as of an earlier date equals the reference on the cut data", async () => {
  const asOf = "2023-12-31";
  const exp = expected(ROWS.filter((r) => r.date <= asOf), BUDGET);
  for (const name of ["expenses_data", "high_salary_data", "top_drivers_salary_efficiency", "downtime_find", "seasonal_fines"]) {
    const text = await run(name, CLIENT, asOf);
    assertSame(parseOrdered(text), exp[name]);
  }
});
