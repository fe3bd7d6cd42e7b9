// Staging and the set-based merge into fleet.expenses / fleet.vehicles. Identifiers come only from
// the canonical field list (reference data shipped with the code), checked and quoted here; values
// are always parameters.
import type { TransactionSql } from "postgres";
import type { TableKind } from "../ingest/types.js";
import { columnsOf, type Column } from "./columns.js";

type Tx = TransactionSql<Record<string, never>>;

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`internal: refusing identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** Target column types that round on insert: new rows are cast before comparing with stored ones. */
const targetType: Record<string, string> = {
  daily_distance: "numeric(10,2)",
  fuel_liters: "numeric(12,3)",
  odometer_km: "numeric(12,1)",
};
const castOf = (c: Column): string => targetType[c.name] ?? (c.type === "money" ? "numeric(14,2)" : c.stageType);

export const stageTable = (kind: TableKind): string => (kind === "expenses" ? "stage_expenses" : "stage_vehicles");

export async function createStage(tx: Tx, kind: TableKind): Promise<string[]> {
  const cols = columnsOf(kind);
  const defs = cols.map((c) => `${ident(c.name)} ${c.stageType}`).join(", ");
  await tx.unsafe(`create temp table if not exists ${stageTable(kind)} (row_no bigint not null, ${defs}, extra jsonb) on commit drop`);
  return ["row_no", ...cols.map((c) => c.name), "extra"];
}

export interface MergeCounts {
  staged: number;
  duplicates: number;
  /** Distinct source rows folded into another row of the same key (summed, per SPEC §3). */
  merged: number;
  inserted: number;
  deleted: number;
  updated: number;
  /** Milliseconds per merge step (for the load report and benchmarks). */
  steps_ms?: Record<string, number>;
}

/**
 * Expenses: exact duplicate rows collapse; several rows for one (vehicle, day, driver) are summed;
 * then the source's vehicle-days replace the stored ones (latest load wins), touching only rows
 * that actually differ so a reload of the same data changes nothing.
 */
export async function mergeExpenses(tx: Tx, clientId: string, loadId: number): Promise<MergeCounts> {
  const cols = columnsOf("expenses");
  const keys = ["gov_number", "date", "driver"];
  const valueCols = cols.filter((c) => !keys.includes(c.name));
  const rowText = `md5(row(${cols.map((c) => ident(c.name)).join(", ")}, extra)::text)`;
  const steps: Record<string, number> = {};
  let t0 = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    steps[name] = Math.round(now - t0);
    t0 = now;
  };
  const agg = valueCols
    .map((c) => {
      const q = ident(c.name);
      if (c.type === "money" || c.name === "daily_distance") return `coalesce(sum(${q}), 0)::${castOf(c)} as ${q}`;
      if (c.name === "fuel_liters") return `sum(${q})::${castOf(c)} as ${q}`;
      if (c.name === "odometer_km") return `max(${q})::${castOf(c)} as ${q}`;
      // Attributes: the last non-empty value in source order.
      return `(array_agg(${q} order by row_no desc) filter (where ${q} is not null))[1]::${castOf(c)} as ${q}`;
    })
    .join(",\n      ");
  // Most sources have one row per (vehicle, day, driver): those rows pass straight through; only
  // the keys that occur more than once go through the (sorting) duplicate collapse and sum.
  await tx.unsafe(`
    create temp table dup_keys on commit drop as
    select gov_number, date, coalesce(driver, '') as driver, count(*) as n
    from stage_expenses
    group by 1, 2, 3
    having count(*) > 1`);
  await tx.unsafe(`analyze dup_keys`);
  // The keys that occur more than once: exact duplicates collapse, the rest is summed.
  await tx.unsafe(`
    create temp table folded on commit drop as
    with distinct_rows as (
      select distinct on (gov_number, date, coalesce(driver, ''), ${rowText}) *
      from stage_expenses s
      where exists (
        select 1 from dup_keys d where d.gov_number = s.gov_number and d.date = s.date and d.driver = coalesce(s.driver, ''))
      order by gov_number, date, coalesce(driver, ''), ${rowText}, row_no
    )
    select gov_number, date, coalesce(driver, '') as driver,
      ${agg},
      (array_agg(extra order by row_no desc) filter (where extra is not null))[1] as extra,
      count(*) as source_rows
    from distinct_rows
    group by gov_number, date, coalesce(driver, '')`);
  const direct = valueCols
    .map((c) => {
      const q = ident(c.name);
      if (c.type === "money" || c.name === "daily_distance") return `coalesce(s.${q}, 0)::${castOf(c)} as ${q}`;
      return `s.${q}::${castOf(c)} as ${q}`;
    })
    .join(",\n      ");
  // Every row of the source as it will be stored: the keys seen once straight from staging, plus
  // the folded ones.
  const incoming = `
    select s.gov_number, s.date, coalesce(s.driver, '') as driver,
      ${direct},
      s.extra,
      1::bigint as source_rows
    from stage_expenses s
    where not exists (
      select 1 from dup_keys d where d.gov_number = s.gov_number and d.date = s.date and d.driver = coalesce(s.driver, ''))
    union all
    select * from folded`;
  step("fold");
  const [{ staged }] = await tx.unsafe<[{ staged: string }]>(`select count(*) as staged from stage_expenses`);
  const [{ dup_rows }] = await tx.unsafe<[{ dup_rows: string }]>(`select coalesce(sum(n), 0) as dup_rows from dup_keys`);
  const [f] = await tx.unsafe<[{ groups: string; distinct_rows: string }]>(`select count(*) as groups, coalesce(sum(source_rows), 0) as distinct_rows from folded`);
  const single = Number(staged) - Number(dup_rows);
  const groups = single + Number(f.groups);
  const distinct_rows = single + Number(f.distinct_rows);
  // A client with no stored expenses (a first load) has nothing to replace or compare against:
  // the rows go straight in, without materialising them once more.
  const [{ stored }] = await tx.unsafe<[{ stored: boolean }]>(`select exists (select 1 from fleet.expenses where client_id = $1) as stored`, [clientId]);
  step("count");
  const insertCols = ["gov_number", "date", "driver", ...valueCols.map((c) => c.name), "extra"];
  let deleted = { count: 0 };
  let inserted: { count: number };
  if (!stored) {
    inserted = await tx.unsafe(
      `insert into fleet.expenses (client_id, ${insertCols.map(ident).join(", ")}, load_id)
       select $1, ${insertCols.map((c) => `n.${ident(c)}`).join(", ")}, $2
       from (${incoming}) n`,
      [clientId, loadId],
    );
  } else {
    await tx.unsafe(`create temp table new_expenses on commit drop as ${incoming}`);
    // The delete below probes new_expenses once per stored row of the affected vehicle-days.
    await tx.unsafe(`create index on new_expenses (gov_number, date, driver)`);
    await tx.unsafe(`analyze new_expenses`);
    step("index");
    const same = `(${valueCols.map((c) => `n.${ident(c.name)}`).join(", ")}, n.extra) is not distinct from (${valueCols.map((c) => `e.${ident(c.name)}`).join(", ")}, e.extra)`;
    deleted = await tx.unsafe(
      `delete from fleet.expenses e
       using (select distinct gov_number, date from new_expenses) a
       where e.client_id = $1 and e.gov_number = a.gov_number and e.date = a.date
         and not exists (
           select 1 from new_expenses n
           where n.gov_number = e.gov_number and n.date = e.date and n.driver = e.driver and ${same})`,
      [clientId],
    );
    step("delete");
    // After the delete, a key still stored is one whose row is identical: skip it. ON CONFLICT
    // rather than an anti-join against fleet.expenses — the table grows during the statement, and
    // a nested loop over it (planned when the client had few rows) turns quadratic.
    inserted = await tx.unsafe(
      `insert into fleet.expenses (client_id, ${insertCols.map(ident).join(", ")}, load_id)
       select $1, ${insertCols.map((c) => `n.${ident(c)}`).join(", ")}, $2
       from new_expenses n
       on conflict (client_id, gov_number, date, driver) do nothing`,
      [clientId, loadId],
    );
  }
  step("insert");
  return {
    staged: Number(staged),
    duplicates: Number(staged) - Number(distinct_rows),
    merged: Number(distinct_rows) - Number(groups),
    inserted: inserted.count,
    deleted: deleted.count,
    updated: 0,
    steps_ms: steps,
  };
}

/** Vehicles: one row per gov_number; the last row of the source wins; unchanged rows are untouched. */
export async function mergeVehicles(tx: Tx, clientId: string, loadId: number): Promise<MergeCounts> {
  const cols = columnsOf("vehicles").filter((c) => c.name !== "gov_number");
  await tx.unsafe(`
    create temp table new_vehicles on commit drop as
    select distinct on (gov_number) gov_number, ${cols.map((c) => `${ident(c.name)}::${castOf(c)} as ${ident(c.name)}`).join(", ")}, extra
    from stage_vehicles
    order by gov_number, row_no desc`);
  const [{ staged }] = await tx.unsafe<[{ staged: string }]>(`select count(*) as staged from stage_vehicles`);
  const [{ kept }] = await tx.unsafe<[{ kept: string }]>(`select count(*) as kept from new_vehicles`);
  const all = ["gov_number", ...cols.map((c) => c.name), "extra"];
  const res = await tx.unsafe<{ inserted: boolean }[]>(
    `insert into fleet.vehicles as v (client_id, ${all.map(ident).join(", ")}, load_id)
     select $1, ${all.map((c) => `n.${ident(c)}`).join(", ")}, $2 from new_vehicles n
     on conflict (client_id, gov_number) do update
       set ${[...cols.map((c) => c.name), "extra"].map((c) => `${ident(c)} = excluded.${ident(c)}`).join(", ")},
           load_id = excluded.load_id, updated_at = now()
       where (${[...cols.map((c) => c.name), "extra"].map((c) => `v.${ident(c)}`).join(", ")})
         is distinct from (${[...cols.map((c) => c.name), "extra"].map((c) => `excluded.${ident(c)}`).join(", ")})
     returning (xmax = 0) as inserted`,
    [clientId, loadId],
  );
  const inserted = res.filter((r) => r.inserted).length;
  return {
    staged: Number(staged),
    duplicates: Number(staged) - Number(kept),
    merged: 0,
    inserted,
    deleted: 0,
    updated: res.length - inserted,
  };
}
