// Seeds the reference tables from reference/*.csv (copies of the product's reference data kept in
// the repository). Upserts only: rows an operator added in SQL (a new synonym) are kept.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { loadFieldDefs, loadSynonyms } from "../ingest/headers.js";
import { referenceDir } from "../paths.js";
import type { Sql } from "./connection.js";

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(join(referenceDir, name), "utf8"), { columns: true, bom: true, skip_empty_lines: true, trim: true });
}

export async function syncReferenceData(sql: Sql): Promise<number> {
  const fields = loadFieldDefs();
  const synonyms = loadSynonyms();
  const market = readCsv("market_averages.csv");
  let n = 0;
  await sql.begin(async (tx) => {
    for (const f of fields) {
      await tx`
        insert into fleet.fields (field, table_kind, type, kind, counts_as_repair, industries, label_ru, notes)
        values (${f.field}, ${f.table}, ${f.type}, ${f.kind}, ${f.countsAsRepair}, ${f.industries}, ${f.labelRu}, ${f.notes})
        on conflict (field) do update set table_kind = excluded.table_kind, type = excluded.type, kind = excluded.kind,
          counts_as_repair = excluded.counts_as_repair, industries = excluded.industries, label_ru = excluded.label_ru, notes = excluded.notes`;
      n++;
    }
    let order = 0;
    for (const f of fields) {
      if (f.type !== "money" || f.table !== "expenses") continue;
      order++;
      await tx`
        insert into fleet.expense_categories (category, kind, counts_as_repair, industries, label_ru, sort_order)
        values (${f.field}, ${f.kind}, ${f.countsAsRepair}, ${f.industries}, ${f.labelRu}, ${order})
        on conflict (category) do update set kind = excluded.kind, counts_as_repair = excluded.counts_as_repair,
          industries = excluded.industries, label_ru = excluded.label_ru, sort_order = excluded.sort_order`;
      n++;
    }
    const known = new Set(fields.map((f) => f.field));
    const syn = synonyms.filter((s) => known.has(s.field));
    if (syn.length) {
      await tx`
        insert into fleet.column_synonyms (synonym, field, table_kind)
        select * from unnest(${syn.map((s) => s.synonym)}::text[], ${syn.map((s) => s.field)}::text[], ${syn.map((s) => s.table)}::text[])
        on conflict (synonym, field) do update set table_kind = excluded.table_kind`;
      n += syn.length;
    }
    const rows = market.map((m) => ({ industry: m.industry, category: m.category, value: m.avg_per_vehicle_day_rub }));
    if (rows.length) {
      await tx`
        insert into fleet.market_averages (industry, category, avg_per_vehicle_day_rub)
        select fleet.industry_code(r.industry), r.category, r.value::numeric
        from unnest(${rows.map((r) => r.industry)}::text[], ${rows.map((r) => r.category)}::text[], ${rows.map((r) => r.value)}::text[])
          as r (industry, category, value)
        where fleet.industry_code(r.industry) is not null
        on conflict (industry, category) do update set avg_per_vehicle_day_rub = excluded.avg_per_vehicle_day_rub`;
      n += rows.length;
    }
  });
  return n;
}
