// Rule silent_assets (sql/anomaly_silent_assets.sql) on hand-made data with exact expected values:
// still runs found from the vehicle-month day masks — across a month boundary and a month without
// any rows, at the first and at the last day of a vehicle's data — and the repair test with the
// repair share of the examined vehicles only (a vehicle driven every day is not examined, so its
// repairs do not count). Run: npm run build && node test/run.js test/anomaly_silent_assets.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";

const { sql } = await freshDatabase();

interface Row {
  gov_number: string;
  date: string;
  daily_distance?: number;
  fuel?: number;
  repair?: number;
  insurance?: number;
  parking?: number;
  amortization?: number;
}

const COLS = ["client_id", "gov_number", "date", "driver", "daily_distance", "fuel", "repair", "insurance", "parking", "amortization"] as const;

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

async function expenses(clientId: string, rows: Row[]): Promise<void> {
  const full = rows.map((r) => ({
    client_id: clientId,
    gov_number: r.gov_number,
    date: r.date,
    driver: "",
    daily_distance: r.daily_distance ?? 0,
    fuel: r.fuel ?? 0,
    repair: r.repair ?? 0,
    insurance: r.insurance ?? 0,
    parking: r.parking ?? 0,
    amortization: r.amortization ?? 0,
  }));
  for (let i = 0; i < full.length; i += 1000) {
    await sql`insert into fleet.expenses ${sql(full.slice(i, i + 1000), ...COLS)}`;
  }
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

async function findings(clientId: string, asOf: string): Promise<Finding[]> {
  return [
    ...(await sql<Finding[]>`
      select subject, period_start::text, period_end::text, observed::text, expected::text, severity, rub_at_stake::text, details
      from fleet.anomaly_silent_assets(${clientId}, ${asOf}::date)
      order by subject, period_start`),
  ];
}

test("silent_assets: exact still periods across months and at the data's ends; repair downtime against the examined vehicles' repair share", async () => {
  await sql`insert into fleet.clients (client_id, industry) values ('sa2', 'logistics')`;
  const rows: Row[] = [];
  const drive = (g: string, from: string, to: string, fuel = 500) =>
    days(from, to).forEach((d) => rows.push({ gov_number: g, date: d, daily_distance: 100, fuel }));
  // A: still 21 Jan – 10 Mar (11 + 28 + 10 = 49 days) with rows on 21 of them — none in February:
  // parking 100/day in January and March (2100), amortization 50/day in March (500) → 2600 ₽
  drive("A", "2025-01-01", "2025-01-20");
  days("2025-01-21", "2025-01-31").forEach((d) => rows.push({ gov_number: "A", date: d, parking: 100 }));
  days("2025-03-01", "2025-03-10").forEach((d) => rows.push({ gov_number: "A", date: d, parking: 100, amortization: 50 }));
  drive("A", "2025-03-11", "2025-03-20");
  // B: still from its first day, 1–25 Jan, insurance 200/day → 5000 ₽
  days("2025-01-01", "2025-01-25").forEach((d) => rows.push({ gov_number: "B", date: d, insurance: 200 }));
  drive("B", "2025-01-26", "2025-02-10");
  // C: still until its last day, 6–31 Mar (26 days), parking 100/day → 2600 ₽
  drive("C", "2025-03-01", "2025-03-05");
  days("2025-03-06", "2025-03-31").forEach((d) => rows.push({ gov_number: "C", date: d, parking: 100 }));
  // R: a repair downtime (not flagged): February still, 20000 repair on its first day + parking 100/day
  drive("R", "2025-01-01", "2025-01-31");
  days("2025-02-01", "2025-02-28").forEach((d) => rows.push({ gov_number: "R", date: d, repair: d === "2025-02-01" ? 20000 : 0, parking: 100 }));
  drive("R", "2025-03-01", "2025-03-10");
  // T: an expensive vehicle (fuel 5000/day) still 1–21 Feb with a 3000 repair and parking 100/day:
  // repairs are 59% of the cash costs but less than twice its usual repair spend → flagged
  drive("T", "2025-01-01", "2025-01-31", 5000);
  days("2025-02-01", "2025-02-21").forEach((d) => rows.push({ gov_number: "T", date: d, repair: d === "2025-02-01" ? 3000 : 0, parking: 100 }));
  drive("T", "2025-02-22", "2025-03-10", 5000);
  // N: driven every day (never examined), with a large repair that must not enter the repair share
  days("2025-01-01", "2025-03-31").forEach((d) => rows.push({ gov_number: "N", date: d, daily_distance: 100, fuel: 500, repair: d === "2025-02-15" ? 90000 : 0 }));
  await expenses("sa2", rows);

  // Repair share of the examined vehicles A, B, C, R, T: (20000 + 3000) / (17600 + 13000 + 5100 +
  // 43300 + 245100) = 23000 / 324100. Usual repair per day = spend per day with rows outside still
  // periods (A 15000/30, B 8000/16, C 2500/5, R 20500/41 = 500; T 240000/48 = 5000) × that share.
  // R: 20000 ≥ 0.5 × 22800 and ≥ 2 × 500 × 28 × 23000/324100 = 2 × 993.52 → a repair downtime.
  const f = await findings("sa2", "2025-12-31");
  assert.deepEqual(
    f.map((x) => [x.subject, x.period_start, x.period_end, Number(x.observed), Number(x.expected), x.severity, Number(x.rub_at_stake)]),
    [
      ["A", "2025-01-21", "2025-03-10", 49, 21, "medium", 2600],
      ["B", "2025-01-01", "2025-01-25", 25, 21, "low", 5000],
      ["C", "2025-03-06", "2025-03-31", 26, 21, "low", 2600],
      ["T", "2025-02-01", "2025-02-21", 21, 21, "low", 2100],
    ],
  );
  // jsonb: key order as jsonb stores it; numbers exact
  assert.deepEqual(f[0].details, {
    days: 49, days_with_rows: 21, costs_rub: 2600, repair_rub: 0, fuel_rub: 0, amortization_rub: 500, idle_costs_rub: 2600,
    usual_repair_rub: 1738.66, repair_share: 0, categories: { parking: 2100, amortization: 500 },
  });
  assert.deepEqual(f[1].details, {
    days: 25, days_with_rows: 25, costs_rub: 5000, repair_rub: 0, fuel_rub: 0, amortization_rub: 0, idle_costs_rub: 5000,
    usual_repair_rub: 887.07, repair_share: 0, categories: { insurance: 5000 },
  });
  assert.equal(f[2].details.usual_repair_rub, 922.55);
  assert.deepEqual(f[3].details, {
    days: 21, days_with_rows: 21, costs_rub: 5100, repair_rub: 3000, fuel_rub: 0, amortization_rub: 0, idle_costs_rub: 2100,
    usual_repair_rub: 7451.4, repair_share: 0.5882, categories: { repair: 3000, parking: 2100 },
  });

  // As of 20 Mar, C has stood only 15 days (6–20 Mar): not flagged; A, B and T are unchanged and R
  // stays a repair downtime.
  const early = await findings("sa2", "2025-03-20");
  assert.deepEqual(early.map((x) => [x.subject, x.period_start, x.period_end]), [
    ["A", "2025-01-21", "2025-03-10"],
    ["B", "2025-01-01", "2025-01-25"],
    ["T", "2025-02-01", "2025-02-21"],
  ]);
});

test("silent_assets: min_days from the client's settings; a run one day short is not flagged", async () => {
  await sql`insert into fleet.clients (client_id, industry) values ('sa3', 'logistics')`;
  const rows: Row[] = [];
  const drive = (g: string, from: string, to: string) =>
    days(from, to).forEach((d) => rows.push({ gov_number: g, date: d, daily_distance: 100, fuel: 500 }));
  // V: still 25 Jan – 3 Feb (10 days, rows on each) with parking 100/day; W: 9 still days
  drive("V", "2025-01-01", "2025-01-24");
  days("2025-01-25", "2025-02-03").forEach((d) => rows.push({ gov_number: "V", date: d, parking: 100 }));
  drive("V", "2025-02-04", "2025-02-28");
  drive("W", "2025-01-01", "2025-01-24");
  days("2025-01-25", "2025-02-02").forEach((d) => rows.push({ gov_number: "W", date: d, parking: 100 }));
  drive("W", "2025-02-03", "2025-02-28");
  await expenses("sa3", rows);
  assert.deepEqual(await findings("sa3", "2025-12-31"), []);
  await sql`insert into fleet.client_settings (client_id, key, value) values ('sa3', 'silent_assets.min_days', '10')`;
  const f = await findings("sa3", "2025-12-31");
  assert.deepEqual(
    f.map((x) => [x.subject, x.period_start, x.period_end, Number(x.observed), Number(x.expected), Number(x.rub_at_stake)]),
    [["V", "2025-01-25", "2025-02-03", 10, 10, 1000]],
  );
});
