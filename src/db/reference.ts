// Seeds the reference tables from reference/*.csv (copies of the product's reference data kept in
// the repository). Upserts only: rows an operator added in SQL (a new synonym) are kept.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { referenceDir } from "../paths.js";
import type { Sql } from "./connection.js";

export interface FieldDef {
  field: string;
  table: "expenses" | "vehicles" | "both";
  type: "text" | "date" | "numeric" | "money" | "boolean" | "integer";
  kind: string;
  counts_as_repair: boolean;
  industries: string[];
  label_ru: string;
  notes: string;
}

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(join(referenceDir, name), "utf8"), { columns: true, skip_empty_lines: true, trim: true });
}

let fieldCache: FieldDef[] | null = null;

/** Canonical fields, in the order of reference/fields.csv. */
export function fieldDefs(): FieldDef[] {
  if (!fieldCache) {
    fieldCache = readCsv("fields.csv").map((r) => ({
      field: r.field,
      table: r.table as FieldDef["table"],
      type: r.type as FieldDef["type"],
      kind: r.kind,
      counts_as_repair: r.counts_as_repair === "true",
      industries: r.industries ? r.industries.split(";").map((s) => s.trim()).filter(Boolean) : [],
      label_ru: r.label_ru,
      notes: r.notes ?? "",
    }));
  }
  return fieldCache;
}

/** The money categories of fleet.expenses, in reference order. */
export function moneyCategories(): string[] {
  return fieldDefs().filter((f) => f.type === "money" && f.table === "expenses").map((f) => f.field);
}

export function synonymRows(): { field: string; synonym: string; table: string | null }[] {
  return readCsv("column_synonyms.csv").map((r) => ({ field: r.field, synonym: r.synonym, table: r.table || null }));
}

export async function syncReferenceData(sql: Sql): Promise<number> {
  const fields = fieldDefs();
  const synonyms = synonymRows();
  const market = readCsv("market_averages.csv");
  let n = 0;
  await sql.begin(async (tx) => {
    for (const f of fields) {
      await tx`
        insert into fleet.fields (field, table_kind, type, kind, counts_as_repair, industries, label_ru, notes)
        values (${f.field}, ${f.table}, ${f.type}, ${f.kind}, ${f.counts_as_repair}, ${f.industries}, ${f.label_ru}, ${f.notes})
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
        values (${f.field}, ${f.kind}, ${f.counts_as_repair}, ${f.industries}, ${f.label_ru}, ${order})
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
