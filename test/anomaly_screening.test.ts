// The screening of the rules that read the vehicle-month roll-up (sql/expense_rollups.sql) before
// reading expense rows: odometer_check picks months by their odometer statistics and the reading
// before the month, idle_fuel by the lowest vehicle-day km of the days with fuel; fuel_norm_check
// and price_per_liter read the roll-up only. Each case is an edge the screening must not miss (or
// must not invent), with exact values computed by hand in the comments; each runs at a month end and
// at a mid-month as_of (the as_of month aggregated up to as_of), outside and inside an analyze
// transaction (the per-transaction cache of the as_of month).
// Run: npm run build && node test/run.js test/anomaly_screening.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";

const { sql } = await freshDatabase();

interface Row {
  gov_number: string;
  date: string;
  driver?: string;
  daily_distance?: number;
  fuel?: number;
  fuel_liters?: number | null;
  odometer_km?: number | null;
  vehicle_type?: string | null;
}

const COLS = ["client_id", "gov_number", "date", "driver", "vehicle_type", "daily_distance", "fuel", "fuel_liters", "odometer_km"] as const;

async function client(id: string): Promise<void> {
  await sql`insert into fleet.clients (client_id, industry) values (${id}, 'logistics')`;
}

async function expenses(clientId: string, rows: Row[]): Promise<void> {
  const full = rows.map((r) => ({
    client_id: clientId,
    gov_number: r.gov_number,
    date: r.date,
    driver: r.driver ?? "",
    vehicle_type: r.vehicle_type ?? null,
    daily_distance: r.daily_distance ?? 0,
    fuel: r.fuel ?? 0,
    fuel_liters: r.fuel_liters ?? null,
    odometer_km: r.odometer_km ?? null,
  }));
  await sql`insert into fleet.expenses ${sql(full, ...COLS)}`;
}

interface Finding {
  subject: string;
  period_start: string;
  period_end: string;
  observed: string;
  expected: string;
  severity: string;
  rub_at_stake: string;
  details: Record<string, unknown>;
}

const QUERY = (name: string): string =>
  `select subject, period_start::text, period_end::text, observed::text, expected::text, severity, rub_at_stake::text, details
   from fleet.anomaly_${name}($1, $2::date) order by subject, period_start, details->>'kind'`;

/** The rule's findings; also run inside an analyze transaction (cache refreshed first), which must agree. */
async function rule(name: string, clientId: string, asOf: string): Promise<Finding[]> {
  const plain = [...(await sql.unsafe<Finding[]>(QUERY(name), [clientId, asOf]))];
  const cached = await sql.begin("isolation level repeatable read", async (tx) => {
    await tx`select fleet.expenses_cache_refresh(${clientId}, ${asOf}::date)`;
    return [...(await tx.unsafe<Finding[]>(QUERY(name), [clientId, asOf]))];
  });
  assert.deepEqual(cached, plain, `${name} as of ${asOf}: the analyze transaction's cache must give the same findings`);
  return plain;
}

/** iso dates from..to inclusive */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

test("odometer_check: a rollback across a month boundary, a jump over days without readings, a month without readings", async () => {
  await client("os");
  await expenses("os", [
    // A: the last January reading 10300, the first February one 9000 — the two months are each clean
    ...["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"].map((date, i) => ({
      gov_number: "A", date, daily_distance: 100, fuel: 500, odometer_km: 10000 + 100 * i,
    })),
    { gov_number: "A", date: "2025-02-01", daily_distance: 100, fuel: 500, odometer_km: 9000 },
    { gov_number: "A", date: "2025-02-02", daily_distance: 100, fuel: 500, odometer_km: 9100 },
    // B: 20000 on March 1, no readings March 2–4, 28100 on March 5: 8100 km in 4 days = 2025 km/day
    { gov_number: "B", date: "2025-03-01", daily_distance: 50, fuel: 100, odometer_km: 20000 },
    ...days("2025-03-02", "2025-03-04").map((date) => ({ gov_number: "B", date, daily_distance: 50, fuel: 100 })),
    { gov_number: "B", date: "2025-03-05", daily_distance: 50, fuel: 100, odometer_km: 28100 },
    // B2: the same with 27900: 7900 km in 4 days = 1975 km/day, not flagged
    { gov_number: "B2", date: "2025-03-01", daily_distance: 50, fuel: 100, odometer_km: 20000 },
    ...days("2025-03-02", "2025-03-04").map((date) => ({ gov_number: "B2", date, daily_distance: 50, fuel: 100 })),
    { gov_number: "B2", date: "2025-03-05", daily_distance: 50, fuel: 100, odometer_km: 27900 },
    // C: 50000 on April 30, May without readings, 120000 on June 1: 70000 km in 32 days = 2187.5 km/day
    { gov_number: "C", date: "2025-04-30", daily_distance: 10, fuel: 40, odometer_km: 50000 },
    { gov_number: "C", date: "2025-05-10", daily_distance: 10, fuel: 40 },
    { gov_number: "C", date: "2025-05-20", daily_distance: 10, fuel: 40 },
    { gov_number: "C", date: "2025-06-01", daily_distance: 10, fuel: 40, odometer_km: 120000 },
    // C2: the same with 110000: 60000 km in 32 days = 1875 km/day, not flagged (May has rows but no
    // readings: June's previous reading is April's last, looked up in the roll-up)
    { gov_number: "C2", date: "2025-04-30", daily_distance: 10, fuel: 40, odometer_km: 50000 },
    { gov_number: "C2", date: "2025-05-10", daily_distance: 10, fuel: 40 },
    { gov_number: "C2", date: "2025-06-01", daily_distance: 10, fuel: 40, odometer_km: 110000 },
  ]);
  for (const asOf of ["2025-06-30", "2025-06-15"]) {
    const f = await rule("odometer_check", "os", asOf);
    assert.deepEqual(f.map((x) => [x.subject, x.period_start, x.details.kind, x.severity]), [
      ["A", "2025-02-01", "backwards", "high"],
      ["B", "2025-03-05", "jump", "medium"],
      ["C", "2025-06-01", "jump", "medium"],
    ], `as of ${asOf}`);
    // A: 9000 after 10300 (January 31); 100 km reported on February 1 → expected 10400
    assert.equal(f[0].observed, "9000.0");
    assert.equal(f[0].expected, "10400.0");
    assert.equal(f[0].rub_at_stake, "0.00");
    assert.equal(f[0].details.previous_reading_km, 10300);
    assert.equal(f[0].details.previous_date, "2025-01-31");
    // B: 8100 km − 200 km reported (March 2–5) = 7900 phantom km × 2 ₽/km (500 ₽ / 250 km)
    assert.equal(f[1].expected, "20200.0");
    assert.equal(f[1].rub_at_stake, "15800.00");
    assert.equal(f[1].details.days, 4);
    assert.equal(f[1].details.delta_km, 8100);
    assert.equal(f[1].details.previous_date, "2025-03-01");
    assert.equal(f[1].details.fuel_rub_per_km, 2);
    // C: 70000 km in 32 days; 30 km reported after April 30 (May 10, May 20, June 1) → expected 50030;
    // phantom 69970 km × 4 ₽/km (160 ₽ / 40 km)
    assert.equal(f[2].expected, "50030.0");
    assert.equal(f[2].details.days, 32);
    assert.equal(f[2].details.previous_date, "2025-04-30");
    assert.equal(f[2].rub_at_stake, "279880.00");
  }
});

test("odometer_check: two drivers' rows on one day; a day's km split over rows; a mid-month as_of", async () => {
  await client("od2");
  await expenses("od2", [
    // D: two drivers read 30200 and 30000 on July 1 (after 29900 on June 30): in reading order no
    // rollback, 200 km the same day is possible. Their km, 1200 + 1100 = 2300 on one day, is over
    // 2000 with a row above 1000 → mileage.
    { gov_number: "D", date: "2025-06-30", driver: "a", daily_distance: 100, fuel: 500, odometer_km: 29900 },
    { gov_number: "D", date: "2025-07-01", driver: "a", daily_distance: 1200, fuel: 500, odometer_km: 30200 },
    { gov_number: "D", date: "2025-07-01", driver: "b", daily_distance: 1100, fuel: 500, odometer_km: 30000 },
    // D2: 700 + 700 + 700 = 2100 km on one day but no row above half of 2000: the rule looks for
    // impossible days among those with a row above half the limit, so not flagged
    { gov_number: "D2", date: "2025-07-01", driver: "a", daily_distance: 700 },
    { gov_number: "D2", date: "2025-07-01", driver: "b", daily_distance: 700 },
    { gov_number: "D2", date: "2025-07-01", driver: "c", daily_distance: 700 },
    // E: 40000 on October 1, 70000 on October 10 (30000 km in 9 days), 60000 on October 20 (rollback)
    { gov_number: "E", date: "2025-10-01", daily_distance: 100, fuel: 1000, odometer_km: 40000 },
    { gov_number: "E", date: "2025-10-10", daily_distance: 100, fuel: 1000, odometer_km: 70000 },
    { gov_number: "E", date: "2025-10-20", daily_distance: 100, fuel: 1000, odometer_km: 60000 },
  ]);
  let f = await rule("odometer_check", "od2", "2025-10-31");
  assert.deepEqual(f.map((x) => [x.subject, x.period_start, x.details.kind, x.observed, x.expected]), [
    ["D", "2025-07-01", "mileage", "2300.00", "2000.0"],
    ["E", "2025-10-10", "jump", "70000.0", "40100.0"],
    ["E", "2025-10-20", "backwards", "60000.0", "70100.0"],
  ]);
  // E's rubles per km come from every month up to as_of: 3000 ₽ / 300 km = 10; (30000 − 100) × 10
  assert.equal(f[1].rub_at_stake, "299000.00");
  // as of October 17 the rollback of October 20 is not there yet, and E's rubles per km are 2000 / 200
  f = await rule("odometer_check", "od2", "2025-10-17");
  assert.deepEqual(f.map((x) => [x.subject, x.period_start, x.details.kind, x.rub_at_stake]), [
    ["D", "2025-07-01", "mileage", "0.00"],
    ["E", "2025-10-10", "jump", "299000.00"],
  ]);
  // as of October 5 the jump is not there either
  f = await rule("odometer_check", "od2", "2025-10-05");
  assert.deepEqual(f.map((x) => [x.subject, x.details.kind]), [["D", "mileage"]]);
});

test("idle_fuel: an idle day's km split over two drivers' rows; fuel on one row and km on another; a mid-month as_of", async () => {
  await client("if2");
  const rows: Row[] = [];
  for (const g of ["I", "J", "K"]) for (const d of days("2025-03-01", "2025-03-04")) rows.push({ gov_number: g, date: d, driver: "a", daily_distance: 100, fuel: 500 });
  rows.push(
    // I: March 5 — 3 + 3 km = 6 km over two drivers' rows: driving, not idle;
    // March 6 — 2 + 2 = 4 km with 800 ₽: idle; March 7 — 0 km with 600 ₽: idle
    { gov_number: "I", date: "2025-03-05", driver: "a", daily_distance: 3, fuel: 1000, fuel_liters: 20 },
    { gov_number: "I", date: "2025-03-05", driver: "b", daily_distance: 3 },
    { gov_number: "I", date: "2025-03-06", driver: "a", daily_distance: 2, fuel: 800, fuel_liters: 16 },
    { gov_number: "I", date: "2025-03-06", driver: "b", daily_distance: 2 },
    { gov_number: "I", date: "2025-03-07", driver: "a", daily_distance: 0, fuel: 600, fuel_liters: 12 },
    // J: March 6 — the fuel on a 0 km row, 10 km on the other driver's row: not idle; March 7 idle:
    // one idle day only
    { gov_number: "J", date: "2025-03-06", driver: "a", daily_distance: 0, fuel: 800 },
    { gov_number: "J", date: "2025-03-06", driver: "b", daily_distance: 10 },
    { gov_number: "J", date: "2025-03-07", driver: "a", daily_distance: 0, fuel: 600 },
    // K: March 10 without km nor fuel; idle on March 12 and March 20 (1 km)
    { gov_number: "K", date: "2025-03-10", driver: "a", daily_distance: 0, fuel: 0 },
    { gov_number: "K", date: "2025-03-12", driver: "a", daily_distance: 0, fuel: 900, fuel_liters: 18 },
    { gov_number: "K", date: "2025-03-20", driver: "a", daily_distance: 1, fuel: 700, fuel_liters: 14 },
  );
  await expenses("if2", rows);

  let f = await rule("idle_fuel", "if2", "2025-03-31");
  assert.deepEqual(f.map((x) => [x.subject, x.details.dates]), [
    ["I", ["2025-03-06", "2025-03-07"]],
    ["K", ["2025-03-12", "2025-03-20"]],
  ]);
  // I: 800 + 600 ₽ idle, 16 + 12 l; the month's fuel 4 × 500 + 1000 + 800 + 600 = 4400 ₽;
  // zero-km days (under 5 km): March 6 and 7
  assert.equal(f[0].rub_at_stake, "1400.00");
  assert.equal(f[0].observed, "1400.00");
  assert.equal(f[0].severity, "low");
  assert.equal(f[0].details.idle_fuel_days, 2);
  assert.equal(f[0].details.idle_fuel_liters, 28);
  assert.equal(f[0].details.month_fuel_rub, 4400);
  assert.equal(f[0].details.idle_share_of_fuel, 0.3182);
  assert.equal(f[0].details.zero_km_days, 2);
  // K: 900 + 700 ₽; zero-km days: March 10 (no fuel), 12, 20
  assert.equal(f[1].rub_at_stake, "1600.00");
  assert.equal(f[1].details.zero_km_days, 3);

  // as of March 17 K has one idle day with fuel (March 12): only I
  f = await rule("idle_fuel", "if2", "2025-03-17");
  assert.deepEqual(f.map((x) => [x.subject, x.period_end, x.details.idle_fuel_days]), [["I", "2025-03-31", 2]]);
});

test("idle_fuel: min_days above the 8 lowest days the roll-up keeps", async () => {
  await client("if9");
  await sql`insert into fleet.client_settings (client_id, key, value) values ('if9', 'idle_fuel.min_days', '9')`;
  const rows: Row[] = [];
  // L: 9 idle days with fuel in May (May 1–9, 100 ₽ each); M: 8
  for (const d of days("2025-05-01", "2025-05-09")) rows.push({ gov_number: "L", date: d, daily_distance: 1, fuel: 100 });
  for (const d of days("2025-05-01", "2025-05-08")) rows.push({ gov_number: "M", date: d, daily_distance: 1, fuel: 100 });
  for (const g of ["L", "M"]) for (const d of days("2025-05-10", "2025-05-31")) rows.push({ gov_number: g, date: d, daily_distance: 50, fuel: 100 });
  await expenses("if9", rows);
  for (const asOf of ["2025-05-31", "2025-05-20"]) {
    const f = await rule("idle_fuel", "if9", asOf);
    assert.deepEqual(f.map((x) => [x.subject, x.details.idle_fuel_days, x.severity, x.rub_at_stake]), [["L", 9, "high", "900.00"]]);
  }
  // as of May 8 L has 8 such days: below 9
  assert.equal((await rule("idle_fuel", "if9", "2025-05-08")).length, 0);
});

test("price_per_liter and fuel_norm_check read the roll-up: a fill after a mid-month as_of is not seen", async () => {
  await client("pn");
  await sql`insert into fleet.vehicles (client_id, gov_number, vehicle_type, fuel_consumption, release_year)
            values ('pn', 'N', 'van', 10, null)`;
  const rows: Row[] = [];
  // October: P1–P3 pay 50 ₽/l (100 l each); P4 50 ₽/l until October 15, then 100 l at 100 ₽/l on October 20
  for (const g of ["P1", "P2", "P3", "P4"]) rows.push({ gov_number: g, date: "2025-10-05", vehicle_type: "van", daily_distance: 300, fuel: 5000, fuel_liters: 100 });
  rows.push({ gov_number: "P4", date: "2025-10-20", vehicle_type: "van", daily_distance: 300, fuel: 10000, fuel_liters: 100 });
  // N (norm 10 l/100 km): October 1–10, 100 km and 10 l (500 ₽) a day = the norm; October 20: 500 km, 100 l, 5000 ₽
  for (const d of days("2025-10-01", "2025-10-10")) rows.push({ gov_number: "N", date: d, daily_distance: 100, fuel: 500, fuel_liters: 10 });
  rows.push({ gov_number: "N", date: "2025-10-20", daily_distance: 500, fuel: 5000, fuel_liters: 100 });
  await expenses("pn", rows);

  assert.equal((await rule("price_per_liter", "pn", "2025-10-17")).length, 0);
  let f = await rule("price_per_liter", "pn", "2025-10-31");
  // P4: 15000 ₽ / 200 l = 75 ₽/l; the vans' prices 50, 50, 50, 50 (N, a van in the register:
  // 10000 ₽ / 200 l), 75: median 50, MAD 0 → 75 is flagged, 50% above (high); (75 − 50) × 200 l
  assert.deepEqual(f.map((x) => [x.subject, x.observed, x.expected, x.severity, x.rub_at_stake]), [
    ["P4", "75.00", "50.00", "high", "5000.00"],
  ]);
  assert.equal(f[0].details.peers, 5);
  assert.equal(f[0].details.peer_group, "vehicle_type");

  assert.equal((await rule("fuel_norm_check", "pn", "2025-10-17")).length, 0);
  f = await rule("fuel_norm_check", "pn", "2025-10-31");
  // N: 1500 km → norm 150 l (October: no winter correction; no release year: no age correction);
  // 200 l is 33% over → high; 50 l over × 50 ₽/l (its own price: 10000 ₽ / 200 l).
  // P4 (no norm): 25 ₽/km (15000 ₽ / 600 km) against the vans' median 16.67 (MAD 0): 50% over → high;
  // 15000 − 16.67 × 600 = 5000 ₽
  assert.deepEqual(f.map((x) => [x.subject, x.observed, x.expected, x.severity, x.rub_at_stake, x.details.mode]), [
    ["N", "200.00", "150.00", "high", "2500.00", "norm"],
    ["P4", "15000.00", "10000.00", "high", "5000.00", "peers"],
  ]);
  assert.equal(f[0].details.mode, "norm");
  assert.equal(f[0].details.excess_share, 0.3333);
});
