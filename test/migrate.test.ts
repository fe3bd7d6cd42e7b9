import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";
import { migrateDatabase } from "../src/db/migrate.js";

const db = await freshDatabase();

async function fingerprint() {
  const [r] = await db.sql<{ objects: string; rels: string; funcs: string; fields: string; synonyms: string; market: string; migrations: string; analyses: string }[]>`
    select
      (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('fleet', 'graphile_worker')) as rels,
      (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'fleet') as funcs,
      (select md5(string_agg(field || table_kind || label_ru, ',' order by field)) from fleet.fields) as fields,
      (select count(*) from fleet.column_synonyms) as synonyms,
      (select md5(string_agg(industry || category || avg_per_vehicle_day_rub, ',' order by industry, category)) from fleet.market_averages) as market,
      (select count(*) from graphile_migrate.migrations) as migrations,
      (select count(*) from fleet.analyses) as analyses,
      '' as objects`;
  return r;
}

test("migrate twice changes nothing", async () => {
  const before = await fingerprint();
  await migrateDatabase(db.url);
  await migrateDatabase(db.url);
  assert.deepEqual(await fingerprint(), before);
});

test("reference data is seeded from reference/*.csv", async () => {
  const [r] = await db.sql<{ money: string; repair: string; logistics_fuel: string; industries: string }[]>`
    select (select count(*) from fleet.expense_categories) as money,
           (select count(*) from fleet.expense_categories where counts_as_repair) as repair,
           (select avg_per_vehicle_day_rub::text from fleet.market_averages where industry = 'logistics' and category = 'fuel') as logistics_fuel,
           (select string_agg(code, ',' order by sort_order) from fleet.industries) as industries`;
  assert.equal(r.money, "34");
  assert.equal(r.repair, "14");
  assert.equal(r.logistics_fuel, "11784.783393025677");
  assert.equal(r.industries, "logistics,construction,pharma,retail,taxi,delivery,buses,carsharing,other");
});

test("every fleet table and function has a comment", async () => {
  const missing = await db.sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'fleet' and c.relkind in ('r', 'v', 'm') and obj_description(c.oid, 'pg_class') is null
    union all
    select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'fleet' and obj_description(p.oid, 'pg_proc') is null
    order by 1`;
  assert.deepEqual(missing.map((m) => m.name), []);
});

test("industry names work in either form", async () => {
  const rows = await db.sql<{ a: string; b: string; c: string | null }[]>`
    select fleet.industry_code('Логистика') as a, fleet.industry_code(' carsharing ') as b, fleet.industry_code('Космос') as c`;
  assert.deepEqual({ ...rows[0] }, { a: "logistics", b: "carsharing", c: null });
});
