// The roll-ups of fleet.expenses (sql/expense_rollups.sql) are maintained by statement triggers:
// after any sequence of inserts (first loads, new vehicles in known months, several drivers on one
// day), ON CONFLICT inserts, deletes, updates that move rows across months and vehicles, and a
// truncate, every roll-up table must equal a rebuild from fleet.expenses — and carry hand-checked
// values for the vehicle-day and odometer facts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
const sql = db.sql;
await sql`insert into fleet.clients (client_id, industry) values ('ru1', 'logistics'), ('ru2', 'taxi')`;

const TABLES = ["expense_months", "client_months", "vehicle_months", "driver_months"] as const;

async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    // identifiers from the fixed list above
    const rows = await sql.unsafe<{ r: string }[]>(`select t::text as r from fleet.${t} t order by 1`);
    out[t] = rows.map((x) => x.r);
  }
  return out;
}

/** The triggers' result must equal a rebuild of every client from fleet.expenses. */
async function assertConsistent(step: string): Promise<void> {
  const maintained = await snapshot();
  await sql.begin(async (tx) => {
    await tx`select fleet.expense_rollups_rebuild(c.client_id) from fleet.clients c`;
    for (const t of TABLES) {
      const rows = await tx.unsafe<{ r: string }[]>(`select t::text as r from fleet.${t} t order by 1`);
      assert.deepEqual(maintained[t], rows.map((x) => x.r), `${step}: fleet.${t} differs from a rebuild`);
    }
    throw new RollbackSignal(); // undo the rebuild: the next step checks the triggers again
  }).catch((e) => {
    if (!(e instanceof RollbackSignal)) throw e;
  });
}
class RollbackSignal extends Error {}

async function insert(rows: [string, string, string, string, number, number, number | null, number | null][]): Promise<void> {
  // client, vehicle, driver, date, km, fuel rub, litres, odometer — one statement
  await sql`
    insert into fleet.expenses (client_id, gov_number, driver, date, daily_distance, fuel, fuel_liters, odometer_km, fines, calculated_salary)
    select r.c, r.g, r.d, r.dt::date, r.km, r.fuel, r.l, r.o, case when r.km = 0 then 500 else 0 end, 1000
    from jsonb_to_recordset(${sql.json(rows.map(([c, g, d, dt, km, fuel, l, o]) => ({ c, g, d, dt, km, fuel, l, o })))})
      as r (c text, g text, d text, dt text, km numeric, fuel numeric, l numeric, o numeric)`;
}

test("every kind of write keeps the roll-ups equal to a rebuild", async () => {
  // a first load: two vehicles, two months, a day with two drivers, a day without a reading
  await insert([
    ["ru1", "А001АА77", "Иванов", "2025-01-30", 100, 1000, 20, 1000],
    ["ru1", "А001АА77", "Петров", "2025-01-30", 50, 0, null, 1050],
    ["ru1", "А001АА77", "Иванов", "2025-01-31", 0, 800, 16, null],
    ["ru1", "А001АА77", "Иванов", "2025-02-01", 120, 0, null, 1170],
    ["ru1", "В002ВВ77", "", "2025-01-15", 0, 0, null, 5000],
    ["ru1", "В002ВВ77", "Сидоров", "2025-01-16", 300, 3000, 60, 5300],
  ]);
  await assertConsistent("first load");
  // a new vehicle in a month the client already has; a known vehicle in a new month; another client
  await insert([
    ["ru1", "Е003ЕЕ77", "Петров", "2025-01-20", 10, 500, 10, 200],
    ["ru1", "А001АА77", "Иванов", "2025-03-02", 80, 700, 14, 1250],
    ["ru2", "К004КК77", "Орлов", "2025-01-20", 40, 400, 8, 100],
  ]);
  await assertConsistent("mixed fresh and known months");
  // only known months (recomputed from fleet.expenses)
  await insert([["ru1", "В002ВВ77", "Сидоров", "2025-01-17", 200, 2000, 40, 4900]]);
  await assertConsistent("known month");
  // ON CONFLICT DO NOTHING inserting nothing, then a mix of a conflict and a new row
  await sql`
    insert into fleet.expenses (client_id, gov_number, driver, date, daily_distance)
    values ('ru1', 'А001АА77', 'Иванов', '2025-01-30', 999)
    on conflict do nothing`;
  await sql`
    insert into fleet.expenses (client_id, gov_number, driver, date, daily_distance)
    values ('ru1', 'А001АА77', 'Иванов', '2025-01-30', 999), ('ru1', 'А001АА77', 'Иванов', '2025-01-29', 5)
    on conflict do nothing`;
  await assertConsistent("on conflict");
  // an update moving a row to another month and vehicle, and one changing money only
  await sql`update fleet.expenses set date = '2025-02-14', gov_number = 'Е003ЕЕ77' where client_id = 'ru1' and gov_number = 'В002ВВ77' and date = '2025-01-17'`;
  await sql`update fleet.expenses set fuel = fuel + 1, repair = 250 where client_id = 'ru1' and date = '2025-01-30'`;
  await assertConsistent("updates");
  // deletes: part of a month, then a whole vehicle-month, then a whole client (cascade)
  await sql`delete from fleet.expenses where client_id = 'ru1' and gov_number = 'А001АА77' and driver = 'Петров'`;
  await sql`delete from fleet.expenses where client_id = 'ru1' and gov_number = 'А001АА77' and date >= '2025-03-01'`;
  await assertConsistent("deletes");
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from fleet.vehicle_months where client_id = 'ru1' and month = '2025-03-01'`;
  assert.equal(n, 0, "a vehicle-month without rows has no roll-up row");
  await sql`delete from fleet.clients where client_id = 'ru2'`;
  await assertConsistent("client deleted");
  const [{ m }] = await sql<{ m: number }[]>`select count(*)::int as m from fleet.client_months where client_id = 'ru2'`;
  assert.equal(m, 0);
});

test("vehicle-day and odometer facts, hand-checked", async () => {
  await sql`insert into fleet.clients (client_id, industry) values ('ru3', 'logistics')`;
  await insert([
    // day 1: two drivers, 60 + 50 km; readings 1000 and 1110 (a same-day step of 110)
    ["ru3", "М005ММ77", "Иванов", "2025-05-01", 60, 600, 12, 1000],
    ["ru3", "М005ММ77", "Петров", "2025-05-01", 50, 0, null, 1110],
    // day 2: fuel without km (idle), no reading
    ["ru3", "М005ММ77", "Иванов", "2025-05-02", 0, 900, 18, null],
    // day 5: a reading 1050 (rollback of 60 after 1110), 3 km
    ["ru3", "М005ММ77", "Иванов", "2025-05-05", 3, 100, 2, 1050],
    // day 9: +2050 in 4 days (rate 512.5)
    ["ru3", "М005ММ77", "Иванов", "2025-05-09", 400, 0, null, 3100],
  ]);
  const [v] = await sql<Record<string, unknown>[]>`
    select vehicle_days, km::text, fuel_rub::text, liters::text, has_liters, priced_rub::text, priced_liters::text,
      max_day_km::text, fuel_day_low_km::text, odo_readings, odo_first_date::text, odo_first::text,
      odo_last_date::text, odo_last::text, odo_max_rate::text, odo_min_step::text, driven_days, zero_km_days,
      zero_km_cost::text, zero_km_fuel::text, expense_rows::int as expense_rows, day_mask, driven_mask
    from fleet.vehicle_months where client_id = 'ru3'`;
  assert.deepEqual(v, {
    vehicle_days: 4,
    km: "513.00",
    fuel_rub: "1600.00",
    liters: "32.000",
    has_liters: true,
    priced_rub: "1600.00",
    priced_liters: "32.000",
    max_day_km: "400.00",
    fuel_day_low_km: "{0.00,3.00,110.00}",
    odo_readings: 4,
    odo_first_date: "2025-05-01",
    odo_first: "1000.0",
    odo_last_date: "2025-05-09",
    odo_last: "3100.0",
    odo_max_rate: "512.5000000000000000",
    odo_min_step: "-60.0",
    driven_days: 3,
    zero_km_days: 1,
    zero_km_cost: "2400.00", // fuel 900 + fine 500 + salary 1000
    zero_km_fuel: "900.00",
    expense_rows: 5,
    day_mask: 1 + 2 + 16 + 256, // days 1, 2, 5, 9
    driven_mask: 1 + 16 + 256, // day 2 has no km
  });
  // the as_of month read mid-month equals the roll-up of the rows up to as_of
  const [p] = await sql<{ n: number; km: string }[]>`
    select count(*)::int as n, sum(km)::text as km from fleet.vehicle_month_facts('ru3', '2025-05-04')`;
  assert.deepEqual(p, { n: 1, km: "110.00" });
  const [d] = await sql<{ driver_days: number; fine_days: number; day_mask: number; driven_mask: number; fine_mask: number }[]>`
    select driver_days, fine_days, day_mask, driven_mask, fine_mask from fleet.driver_months where client_id = 'ru3' and driver = 'Иванов'`;
  // Иванов: days 1, 2, 5, 9; km on 1, 5, 9; the fine (500 on km-less rows) on day 2
  assert.deepEqual(d, { driver_days: 4, fine_days: 1, day_mask: 1 + 2 + 16 + 256, driven_mask: 1 + 16 + 256, fine_mask: 2 });
});

test("repair_cost follows fleet.expense_categories.counts_as_repair", async () => {
  const repair = async () =>
    (await sql<{ r: string }[]>`select sum(repair_cost)::text as r from fleet.vehicle_months where client_id = 'ru3'`)[0].r;
  assert.equal(await repair(), "0.00");
  // fuel counted as repair (a reference-data change): every client's roll-ups are rebuilt
  await sql`update fleet.expense_categories set counts_as_repair = true where category = 'fuel'`;
  try {
    assert.equal(await repair(), "1600.00");
  } finally {
    await sql`update fleet.expense_categories set counts_as_repair = false where category = 'fuel'`;
  }
  assert.equal(await repair(), "0.00");
});

test("a truncate empties the roll-ups", async () => {
  await sql`truncate fleet.expenses`;
  for (const t of TABLES) {
    const [{ n }] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from fleet.${t}`);
    assert.equal(n, 0, t);
  }
});
