// The anomaly rules (sql/anomaly_*.sql), fleet.refresh_anomalies, the JSON analyses built from
// fleet.anomalies and ruleRecommendations. Every rule gets small hand-made data with exact expected
// values (computed by hand in the comments), including look-alikes that must NOT be flagged. Each
// rule's data lives in its own client so rules never see each other's rows.
// Run: npm run build && node test/run.js test/anomalies.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";
import { analyzeClient } from "../src/analyze/run.js";
import { ruleRecommendations, type RuleAnomalyRow } from "../src/recommend/rules.js";

const { sql } = await freshDatabase();

interface Row {
  gov_number: string;
  date: string;
  driver?: string;
  vehicle_type?: string | null;
  daily_distance?: number;
  fuel?: number;
  fuel_liters?: number | null;
  odometer_km?: number | null;
  calculated_salary?: number;
  fines?: number;
  parking?: number;
  insurance?: number;
  repair?: number;
  maintenance?: number;
  other_cost?: number;
}

const COLS = [
  "client_id", "gov_number", "date", "driver", "vehicle_type", "daily_distance", "fuel", "fuel_liters", "odometer_km",
  "calculated_salary", "fines", "parking", "insurance", "repair", "maintenance", "other_cost",
] as const;

async function client(id: string, budget: number | null = null): Promise<void> {
  await sql`insert into fleet.clients (client_id, industry, year_budget) values (${id}, 'logistics', ${budget})`;
}

async function vehicle(clientId: string, gov: string, type: string, norm: number | null, releaseYear: number | null): Promise<void> {
  await sql`insert into fleet.vehicles (client_id, gov_number, vehicle_type, fuel_consumption, release_year)
            values (${clientId}, ${gov}, ${type}, ${norm}, ${releaseYear})`;
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
    calculated_salary: r.calculated_salary ?? 0,
    fines: r.fines ?? 0,
    parking: r.parking ?? 0,
    insurance: r.insurance ?? 0,
    repair: r.repair ?? 0,
    maintenance: r.maintenance ?? 0,
    other_cost: r.other_cost ?? 0,
  }));
  for (let i = 0; i < full.length; i += 1000) {
    await sql`insert into fleet.expenses ${sql(full.slice(i, i + 1000), ...COLS)}`;
  }
}

interface Finding {
  subject_kind: string;
  subject: string;
  period_start: string;
  period_end: string;
  observed: string;
  expected: string;
  severity: string;
  rub_at_stake: string;
  details: Record<string, unknown>;
}

async function rule(name: string, clientId: string, asOf = "2025-12-31"): Promise<Finding[]> {
  return [
    ...(await sql.unsafe<Finding[]>(
      `select subject_kind, subject, period_start::text, period_end::text, observed::text, expected::text, severity,
              rub_at_stake::text, details
       from fleet.anomaly_${name}($1, $2::date) order by subject, period_start`,
      [clientId, asOf],
    )),
  ];
}

/** iso dates from..to inclusive */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

test("high_salary: Tukey far-out fence per month; a lone driver and ordinary months are not flagged", async () => {
  await client("hs");
  const rows: Row[] = [];
  const pay: Record<string, number[]> = {
    // Jan, Feb, Mar
    A: [100, 100, 100],
    B: [100, 110, 100],
    C: [110, 120, 110],
    D: [120, 110, 120],
    E: [130, 130, 130],
    F: [400, 120, 130],
  };
  for (const [d, s] of Object.entries(pay)) {
    s.forEach((v, i) => rows.push({ gov_number: `S${d}`, date: `2025-0${i + 1}-15`, driver: d, calculated_salary: v }));
  }
  // April: one paid driver with a big salary (q1 = q3 = the salary: nothing above the fence)
  rows.push({ gov_number: "SA", date: "2025-04-15", driver: "A", calculated_salary: 1000 });
  await expenses("hs", rows);
  const f = await rule("high_salary", "hs");
  // Jan sorted 100 100 110 120 130 400: q1 = 102.5, q3 = 127.5, IQR 25, fence 202.5.
  // F's median over Jan–Mar = median(400, 120, 130) = 130; rubles = 400 − min(130, 202.5) = 270.
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "F");
  assert.equal(f[0].period_start, "2025-01-01");
  assert.equal(f[0].period_end, "2025-01-31");
  assert.equal(Number(f[0].observed), 400);
  assert.equal(Number(f[0].expected), 130);
  assert.equal(Number(f[0].rub_at_stake), 270);
  assert.equal(f[0].severity, "high"); // 400 ≥ 2.5 × 130
  assert.equal(f[0].details.fence, 202.5);
});

test("fuel_norm_check: litres over the corrected norm; winter and old-vehicle allowances are not flagged; peer fallback without litres", async () => {
  await client("fn");
  await vehicle("fn", "A1", "Грузовик", 10, 2020); // age 5 in 2025: no age correction
  await vehicle("fn", "B1", "Грузовик", 10, 2015); // age 10: +10%
  for (const g of ["C1", "C2", "C3", "C4"]) await vehicle("fn", g, "Фургон", null, 2020); // no norm
  await expenses("fn", [
    // A1 June: 1000 km, norm 100 l, 120 l at 50 ₽/l → 20 l over → 1000 ₽; +20% → medium
    { gov_number: "A1", date: "2025-06-15", daily_distance: 1000, fuel_liters: 120, fuel: 6000 },
    // A1 January: winter +10% → norm 110 l; 118 l ≤ 121 → not flagged
    { gov_number: "A1", date: "2025-01-15", daily_distance: 1000, fuel_liters: 118, fuel: 5900 },
    // B1 January: winter + age = +20% → norm 120 l; 130 l ≤ 132 → not flagged
    { gov_number: "B1", date: "2025-01-15", daily_distance: 1000, fuel_liters: 130, fuel: 6500 },
    // B1 June: age +10% → norm 110 l; 120 l ≤ 121 → not flagged
    { gov_number: "B1", date: "2025-06-15", daily_distance: 1000, fuel_liters: 120, fuel: 6000 },
    // Фургон peers without a norm: rub/km 5, 5.1, 5.2, 8 → median 5.15, MAD 0.1; 8 ≥ 1.3 × 5.15
    { gov_number: "C1", date: "2025-06-15", daily_distance: 1000, fuel: 5000 },
    { gov_number: "C2", date: "2025-06-15", daily_distance: 1000, fuel: 5100 },
    { gov_number: "C3", date: "2025-06-15", daily_distance: 1000, fuel: 5200 },
    { gov_number: "C4", date: "2025-06-15", daily_distance: 1000, fuel: 8000 },
  ]);
  const f = await rule("fuel_norm_check", "fn");
  assert.deepEqual(f.map((x) => [x.subject, x.period_start]), [["A1", "2025-06-01"], ["C4", "2025-06-01"]]);
  const [a, c] = f;
  assert.equal(Number(a.observed), 120);
  assert.equal(Number(a.expected), 100);
  assert.equal(Number(a.rub_at_stake), 1000); // vehicle price (6000 + 5900) / (120 + 118) = 50 ₽/l
  assert.equal(a.severity, "medium");
  assert.equal(a.details.mode, "norm");
  assert.equal(c.details.mode, "peers");
  assert.equal(c.details.reason, "no_norm");
  assert.equal(Number(c.observed), 8000);
  assert.equal(Number(c.expected), 5150);
  assert.equal(Number(c.rub_at_stake), 2850);
  assert.equal(c.severity, "high"); // 8 / 5.15 − 1 = 0.553
});

test("fuel_norm_check without litres but with a norm: rubles per corrected norm litre against the type (15%)", async () => {
  await client("fl");
  // four Газели with norms 10, 10, 12, 12 l/100 km, 1000 km each in June (no corrections): norm litres 100, 100, 120, 120
  const v: [string, number, number][] = [["N1", 10, 5000], ["N2", 10, 5100], ["N3", 12, 6000], ["N4", 12, 7200]];
  for (const [g, norm] of v) await vehicle("fl", g, "Газель", norm, 2022);
  await expenses("fl", v.map(([g, , rub]) => ({ gov_number: g, date: "2025-06-15", daily_distance: 1000, fuel: rub })));
  // rub per norm litre: 50, 51, 50, 60 → median 50.5, MAD 0.5; 60 ≥ 1.15 × 50.5 and > 50.5 + 3·1.4826·0.5
  // (per km the spread of norms hides it: 5, 5.1, 6, 7.2 → 7.2 < 1.3 × median 5.55)
  const f = await rule("fuel_norm_check", "fl");
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "N4");
  assert.equal(f[0].details.reason, "no_liters");
  assert.equal(f[0].details.metric, "rub_per_norm_liter");
  assert.equal(Number(f[0].observed), 7200);
  assert.equal(Number(f[0].expected), 6060); // 50.5 × 120
  assert.equal(Number(f[0].rub_at_stake), 1140);
});

test("idle_fuel: fuel on ≥ 2 days under 5 km in a month; one top-up, or km = 5, is not flagged", async () => {
  await client("if");
  const rows: Row[] = [];
  for (const g of ["D", "E", "F"]) for (const d of days("2025-03-01", "2025-03-10")) rows.push({ gov_number: g, date: d, daily_distance: 100, fuel: 500 });
  rows.push({ gov_number: "D", date: "2025-03-11", daily_distance: 0, fuel: 2000, fuel_liters: 40 });
  rows.push({ gov_number: "D", date: "2025-03-12", daily_distance: 3, fuel: 1500, fuel_liters: 30 });
  rows.push({ gov_number: "E", date: "2025-03-11", daily_distance: 0, fuel: 2000 }); // one top-up on a day off
  rows.push({ gov_number: "F", date: "2025-03-11", daily_distance: 5, fuel: 2000 }); // 5 km is driving
  rows.push({ gov_number: "F", date: "2025-03-12", daily_distance: 5, fuel: 2000 });
  await expenses("if", rows);
  const f = await rule("idle_fuel", "if");
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "D");
  assert.equal(f[0].period_start, "2025-03-01");
  assert.equal(f[0].period_end, "2025-03-31");
  assert.equal(Number(f[0].rub_at_stake), 3500);
  assert.equal(f[0].severity, "low");
  assert.equal(f[0].details.idle_fuel_days, 2);
  assert.equal(f[0].details.idle_fuel_liters, 70);
  assert.deepEqual(f[0].details.dates, ["2025-03-11", "2025-03-12"]);

  // a per-client override: 3 days needed → nothing
  await sql`insert into fleet.client_settings (client_id, key, value) values ('if', 'idle_fuel.min_days', '3')`;
  assert.equal((await rule("idle_fuel", "if")).length, 0);
  await sql`delete from fleet.client_settings where client_id = 'if'`;
});

test("driver_fines: fines per 1,000 km far above the median; a driver who simply drives more is not flagged", async () => {
  await client("df");
  const rows: Row[] = [];
  // per 1000 km: P1 400, P2 400, P3 500, P4 500, P5 600, H 500 (drives 2×), X 3000
  const drivers: [string, number, number][] = [["P1", 1000, 4000], ["P2", 1000, 4000], ["P3", 1000, 5000], ["P4", 1000, 5000], ["P5", 1000, 6000], ["H", 2000, 10000], ["X", 1000, 30000]];
  for (const [d, kmPerDay, fines] of drivers) {
    days("2025-05-01", "2025-05-10").forEach((date, i) => rows.push({ gov_number: `V${d}`, date, driver: d, daily_distance: kmPerDay, fines: i === 0 ? fines : 0 }));
  }
  await expenses("df", rows);
  const f = await rule("driver_fines", "df");
  // median 500, MAD 100 → threshold 500 + 3·1.4826·100 = 944.78; X 3000 ≥ 2 × 500; per day 3000 > median 500
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "X");
  assert.equal(f[0].subject_kind, "driver");
  assert.equal(f[0].period_start, "2025-05-01");
  assert.equal(f[0].period_end, "2025-05-10");
  assert.equal(Number(f[0].observed), 3000);
  assert.equal(Number(f[0].expected), 500);
  assert.equal(Number(f[0].rub_at_stake), 25000); // 30000 − 500 × 10000 / 1000
  assert.equal(f[0].severity, "high");
});

test("odometer_check: a rollback, a jump and impossible daily mileage; a long gap between readings and a 0 reading are not flagged", async () => {
  await client("od");
  await expenses("od", [
    { gov_number: "G", date: "2025-02-01", daily_distance: 100, fuel: 500, odometer_km: 1000 },
    { gov_number: "G", date: "2025-02-02", daily_distance: 100, fuel: 500, odometer_km: 1100 },
    { gov_number: "G", date: "2025-02-03", daily_distance: 100, fuel: 500, odometer_km: 1050 }, // back 50 km
    { gov_number: "G", date: "2025-02-04", daily_distance: 100, fuel: 500, odometer_km: 1150 },
    { gov_number: "G", date: "2025-02-05", daily_distance: 100, fuel: 500, odometer_km: 5000 }, // +3850 km in a day
    { gov_number: "G2", date: "2025-02-01", daily_distance: 0, odometer_km: 1000 },
    { gov_number: "G2", date: "2025-02-03", daily_distance: 0, odometer_km: 0 }, // 0 = not read
    { gov_number: "G2", date: "2025-02-05", daily_distance: 0, odometer_km: 6000 }, // 1250 km/day over 4 days
    { gov_number: "G3", date: "2025-02-01", daily_distance: 2500 },
  ]);
  const f = await rule("odometer_check", "od");
  assert.deepEqual(f.map((x) => [x.subject, x.period_start, x.details.kind, x.severity]), [
    ["G", "2025-02-03", "backwards", "high"],
    ["G", "2025-02-05", "jump", "medium"],
    ["G3", "2025-02-01", "mileage", "medium"],
  ]);
  assert.equal(Number(f[0].observed), 1050);
  assert.equal(Number(f[0].expected), 1200); // previous reading 1100 + 100 km reported
  assert.equal(Number(f[0].rub_at_stake), 0);
  // jump: 3850 km − 100 km reported = 3750 phantom km × 5 ₽/km (2500 ₽ fuel / 500 km)
  assert.equal(Number(f[1].rub_at_stake), 18750);
  assert.equal(Number(f[2].observed), 2500);
});

test("price_per_liter: above the type median + 2 MAD and 8%; diesel priced above petrol is not flagged", async () => {
  await client("pp");
  const prices: [string, string, number][] = [["K1", "Газель", 50], ["K2", "Газель", 50.5], ["K3", "Газель", 51], ["K4", "Газель", 60], ["T1", "Фура", 64], ["T2", "Фура", 65]];
  const rows: Row[] = [];
  for (const [g, type, p] of prices) {
    await vehicle("pp", g, type, null, 2020);
    rows.push({ gov_number: g, date: "2025-05-10", daily_distance: 500, fuel_liters: 100, fuel: p * 100 });
  }
  await expenses("pp", rows);
  const f = await rule("price_per_liter", "pp");
  // Газель: median 50.75, MAD 0.5 → 50.75 + 2·1.4826·0.5 = 52.23 and ≥ 54.81: K4 (60) flagged.
  // Фура has 2 vehicles < 3 peers → whole month: median 55.5, MAD 5.25 → threshold 71.07: not flagged.
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "K4");
  assert.equal(Number(f[0].observed), 60);
  assert.equal(Number(f[0].expected), 50.75);
  assert.equal(Number(f[0].rub_at_stake), 925);
  assert.equal(f[0].severity, "medium");
  assert.equal(f[0].details.peer_group, "vehicle_type");
});

test("silent_assets: ≥ 21 still days with costs; a repair downtime and a 20-day stop are not flagged", async () => {
  await client("sa");
  const rows: Row[] = [];
  const drive = (g: string, from: string, to: string) => days(from, to).forEach((d) => rows.push({ gov_number: g, date: d, daily_distance: 100, fuel: 500 }));
  // S: still 11 Jan – 10 Feb (31 days), parking 300/day and insurance 5000 → 14300 ₽
  drive("S", "2025-01-01", "2025-01-10");
  for (const d of days("2025-01-11", "2025-02-10")) rows.push({ gov_number: "S", date: d, parking: 300, insurance: d === "2025-01-25" ? 5000 : 0 });
  drive("S", "2025-02-11", "2025-02-15");
  // R: the same stop for a repair: 50000 repair on its first day, 10000 maintenance on its last
  drive("R", "2025-01-01", "2025-01-10");
  for (const d of days("2025-01-11", "2025-02-10")) {
    rows.push({ gov_number: "R", date: d, repair: d === "2025-01-11" ? 50000 : 0, maintenance: d === "2025-02-10" ? 10000 : 0, insurance: d === "2025-01-25" ? 5000 : 0 });
  }
  drive("R", "2025-02-11", "2025-02-15");
  // Q: a 20-day stop with parking
  drive("Q", "2025-01-01", "2025-01-10");
  for (const d of days("2025-01-11", "2025-01-30")) rows.push({ gov_number: "Q", date: d, parking: 300 });
  drive("Q", "2025-01-31", "2025-02-15");
  await expenses("sa", rows);
  const f = await rule("silent_assets", "sa");
  assert.equal(f.length, 1);
  assert.equal(f[0].subject, "S");
  assert.equal(f[0].period_start, "2025-01-11");
  assert.equal(f[0].period_end, "2025-02-10");
  assert.equal(Number(f[0].observed), 31);
  assert.equal(Number(f[0].expected), 21);
  assert.equal(Number(f[0].rub_at_stake), 14300);
  assert.equal(f[0].severity, "medium");
});

test("budget_burn: run-rate projection, the month the plan is exceeded; a sufficient budget or none gives no finding", async () => {
  await client("bb", 1000);
  await client("bb_ok", 10000);
  await client("bb_none", null);
  for (const c of ["bb", "bb_ok", "bb_none"]) {
    await expenses(c, ["2025-01-31", "2025-02-28", "2025-03-31"].map((date) => ({ gov_number: "B", date, other_cost: 500 })));
  }
  const f = await rule("budget_burn", "bb");
  // 1500 so far + 9 months × 500 = 6000 projected; cumulative 1500 > 1000 in March
  assert.equal(f.length, 1);
  assert.equal(f[0].subject_kind, "client");
  assert.equal(f[0].period_start, "2025-01-01");
  assert.equal(f[0].period_end, "2025-12-31");
  assert.equal(Number(f[0].observed), 6000);
  assert.equal(Number(f[0].expected), 1000);
  assert.equal(Number(f[0].rub_at_stake), 5000);
  assert.equal(f[0].severity, "high");
  assert.equal(f[0].details.exceeds_in, "2025-03");
  assert.equal(f[0].details.already_exceeded, true);
  assert.equal((await rule("budget_burn", "bb_ok")).length, 0);
  assert.equal((await rule("budget_burn", "bb_none")).length, 0);

  const [{ j }] = await sql<{ j: any }[]>`select fleet.analysis_budget_burn('bb_ok', '2025-12-31')::jsonb as j`;
  assert.equal(j.projected_total, 6000);
  assert.equal(j.overrun, 0);
  assert.equal(j.exceeds_in, null);
  assert.equal(j.months["2025-04"].forecast, 500);
  assert.equal(j.months["2025-12"].cumulative, 6000);
  assert.equal(j.months["2025-06"].plan_cumulative, 5000);
});

test("data_quality: vehicles missing in the register and days without data", async () => {
  await client("dq");
  await vehicle("dq", "V1", "Газель", 12, 2020);
  await expenses("dq", [
    { gov_number: "V1", date: "2025-01-01", other_cost: 100 },
    { gov_number: "V1", date: "2025-01-02", other_cost: 100 },
    { gov_number: "V9", date: "2025-01-02", other_cost: 700 },
    { gov_number: "V1", date: "2025-01-06", other_cost: 100 },
  ]);
  const f = await rule("data_quality", "dq");
  assert.deepEqual(
    f.map((x) => [x.subject_kind, x.subject, x.period_start, x.period_end, x.details.issue, Number(x.rub_at_stake)]).sort((a, b) => String(a[4]).localeCompare(String(b[4]))),
    [
      ["client", "dq", "2025-01-03", "2025-01-05", "days_without_data", 0],
      ["vehicle", "V9", "2025-01-02", "2025-01-02", "vehicle_not_in_register", 700],
    ],
  );
});

test("refresh_anomalies replaces the client's findings; analyze writes the JSON analyses from them", async () => {
  await client("rf");
  await vehicle("rf", "D", "Газель", null, 2020);
  const rows: Row[] = [];
  for (const d of days("2025-03-01", "2025-03-10")) rows.push({ gov_number: "D", date: d, daily_distance: 100, fuel: 500 });
  rows.push({ gov_number: "D", date: "2025-03-11", daily_distance: 0, fuel: 2000 });
  rows.push({ gov_number: "D", date: "2025-03-12", daily_distance: 0, fuel: 1500 });
  await expenses("rf", rows);
  const count = async () => Number((await sql`select count(*) as n from fleet.anomalies where client_id = 'rf'`)[0].n);
  const [{ n1 }] = await sql`select fleet.refresh_anomalies('rf', '2025-12-31') as n1`;
  assert.equal(n1, 1);
  await sql`select fleet.refresh_anomalies('rf', '2025-12-31')`;
  assert.equal(await count(), 1); // replaced, not added
  // a third idle day: still one finding, with more rubles
  await expenses("rf", [{ gov_number: "D", date: "2025-03-13", daily_distance: 0, fuel: 1000 }]);
  await sql`select fleet.refresh_anomalies('rf', '2025-12-31')`;
  const [r] = await sql`select rub_at_stake::text as rub, severity from fleet.anomalies where client_id = 'rf'`;
  assert.deepEqual([r.rub, r.severity], ["4500.00", "medium"]);
  // a disabled rule's findings disappear at the next refresh
  await sql`update fleet.anomaly_rules set enabled = false where rule = 'idle_fuel'`;
  await sql`select fleet.refresh_anomalies('rf', '2025-12-31')`;
  assert.equal(await count(), 0);
  await sql`update fleet.anomaly_rules set enabled = true where rule = 'idle_fuel'`;

  // the analyze runner refreshes the findings in its transaction, before the JSON analyses
  await sql`delete from fleet.anomalies where client_id = 'rf'`;
  await analyzeClient(sql, "rf", { asOf: "2025-12-31" });
  assert.equal(await count(), 1);
  const out = await sql<{ analysis_type: string; j: any }[]>`
    select analysis_type, result_json::jsonb as j from fleet.fraud_json
    where client_id = 'rf' and analysis_type in ('idle_fuel', 'anomaly_summary', 'fuel_norm_check') order by analysis_type`;
  const by = Object.fromEntries(out.map((o) => [o.analysis_type, o.j]));
  assert.equal(by.idle_fuel.findings, 1);
  assert.equal(by.idle_fuel.rub_at_stake, 4500);
  assert.deepEqual(by.idle_fuel.by_month, { "2025-03": { findings: 1, rub_at_stake: 4500 } });
  assert.equal(by.idle_fuel.items[0].subject, "D");
  assert.equal(by.idle_fuel.settings.min_days, 2);
  assert.equal(by.fuel_norm_check.findings, 0);
  assert.deepEqual(by.fuel_norm_check.items, []);
  assert.equal(by.anomaly_summary.total_rub_at_stake, 4500);
  assert.equal(by.anomaly_summary.top[0].rule, "idle_fuel");
  assert.equal(by.anomaly_summary.by_rule.idle_fuel.findings, 1);
  // without a vehicle register, data_quality says so (one client finding, no rubles in the total)
  await sql`delete from fleet.vehicles where client_id = 'rf'`;
  await sql`select fleet.refresh_anomalies('rf', '2025-12-31')`;
  const dq = await sql`select subject_kind, details ->> 'issue' as issue from fleet.anomalies where client_id = 'rf' and rule = 'data_quality'`;
  assert.deepEqual(dq.map((x) => [x.subject_kind, x.issue]), [["client", "no_vehicle_register"]]);
  // a client without expense rows gets {} from every anomaly analysis
  await client("empty");
  const [{ e }] = await sql`select fleet.analysis_anomaly_summary('empty', '2025-12-31')::text || fleet.analysis_idle_fuel('empty', '2025-12-31')::text || fleet.analysis_budget_burn('empty', '2025-12-31')::text as e`;
  assert.equal(e, "{}{}{}");
});

test("ruleRecommendations: Russian texts with the money at stake, ranked by rubles", () => {
  const row = (r: Partial<RuleAnomalyRow>): RuleAnomalyRow => ({
    rule: "idle_fuel", subject_kind: "vehicle", subject: "А123ВС77", period_start: "2025-03-01", period_end: "2025-03-31",
    observed: 3500, expected: 0, severity: "low", rub_at_stake: 3500, details: null, ...r,
  });
  const items = ruleRecommendations([
    row({}),
    row({ period_start: "2025-04-01", rub_at_stake: 1500, observed: 1500, severity: "medium" }),
    row({ rule: "silent_assets", subject: "В456ОР77", rub_at_stake: 14300, observed: 31, expected: 21, severity: "medium" }),
    row({ rule: "odometer_check", subject: "Е789КХ77", rub_at_stake: 0, observed: 1050, expected: 1200, severity: "high", details: { kind: "backwards", delta_km: -50 } }),
  ]);
  assert.deepEqual(items.map((i) => [i.code, i.severity]), [["silent_assets", "medium"], ["idle_fuel", "medium"], ["odometer_check", "high"]]);
  assert.equal(
    items[1].text,
    "Заправки топливом в дни без пробега: А123ВС77 — 5000 руб. (2 случ.); всего под угрозой 5000 рублей. Рекомендуем проверить использование топливных карт: это типичная схема хищения топлива.",
  );
  assert.deepEqual(items[1].subjects, [{ id: "А123ВС77", value: 3500, peer_median: 0, excess_rub: 5000 }]);
  assert.equal(items[2].text, "Невозможные показания одометра (скручивание или скачок пробега): Е789КХ77 — скручивание на 50 км. Рекомендуем проверить одометры, тахографы и путевые листы.");
  assert.deepEqual(ruleRecommendations([]), []);
});
