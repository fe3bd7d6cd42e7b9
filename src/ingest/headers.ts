// Header normalisation and mapping: which canonical field (reference/fields.csv) each source
// column means, and which table (expenses / vehicles) the source is.
//
// Lookup order for one header, within the fields allowed for the table kind:
//   1. the client's own map (fleet.client_column_map),
//   2. synonyms specific to the kind (column_synonyms.table = kind), then generic synonyms,
//   3. the canonical field names and their Russian labels (fields.csv),
//   4. the same keys with spaces removed ("ГосНомер" = "Гос номер"), when unambiguous,
//   5. "<money synonym>, руб" / "<km field>, км" / "<litre field>, л": a unit suffix that agrees
//      with the field's type.
// Anything else is an unknown column, kept per row in `extra`, with the closest known field.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot as root, referenceDir } from "../paths.js";
import { parse as parseCsvSync } from "csv-parse/sync";
import { SourceError, type TableKind } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Reference data

export type FieldType = "text" | "date" | "numeric" | "money" | "boolean" | "integer";

export interface FieldDef {
  field: string;
  /** Which table the field belongs to. */
  table: TableKind | "both";
  type: FieldType;
  /** key / attribute / distance_km / fuel / repair / … (fields.csv `kind`). */
  kind: string;
  countsAsRepair: boolean;
  industries: string[];
  labelRu: string;
  notes: string;
}

export interface Synonym {
  field: string;
  synonym: string;
  /** null/"" = the same meaning in both tables. */
  table: TableKind | null | "";
}

export interface ClientHeader {
  header: string;
  field: string;
}

/** The pseudo-field of a `client` column: ignored, its values only reported. */
export const CLIENT_FIELD = "client";
/** Client-column headers recognised even when the synonym list given has none (the database copy
 *  of the synonyms may leave out the `client` pseudo-field). */
export const CLIENT_HEADERS = ["client", "client_id", "client_name", "company", "companyid", "клиент", "компания", "id клиента", "клиент id"];

/** The package root (the directory holding package.json); see src/paths.ts. */
export function packageRoot(): string {
  return root;
}

function readReferenceCsv(name: string): Record<string, string>[] {
  const text = readFileSync(join(referenceDir, name), "utf8");
  return parseCsvSync(text, { columns: true, bom: true, skip_empty_lines: true, trim: false }) as Record<string, string>[];
}

let fieldsCache: FieldDef[] | null = null;
/** reference/fields.csv as FieldDefs (cached). */
export function loadFieldDefs(): FieldDef[] {
  if (fieldsCache) return fieldsCache;
  fieldsCache = readReferenceCsv("fields.csv").map((r) => ({
    field: r.field,
    table: r.table as FieldDef["table"],
    type: r.type as FieldType,
    kind: r.kind,
    countsAsRepair: r.counts_as_repair === "true",
    industries: r.industries ? r.industries.split(";") : [],
    labelRu: r.label_ru ?? "",
    notes: r.notes ?? "",
  }));
  return fieldsCache;
}

let synonymsCache: Synonym[] | null = null;
/** reference/column_synonyms.csv (cached). The database copy (fleet.column_synonyms) may have more. */
export function loadSynonyms(): Synonym[] {
  if (synonymsCache) return synonymsCache;
  synonymsCache = readReferenceCsv("column_synonyms.csv").map((r) => ({
    field: r.field,
    synonym: r.synonym,
    table: (r.table || null) as Synonym["table"],
  }));
  return synonymsCache;
}

// ---------------------------------------------------------------------------------------------
// Normalisation

const UNITS: Record<string, string> = {
  "руб": "руб", "рубли": "руб", "рублей": "руб", "рубль": "руб", "р": "руб", "₽": "руб", "rub": "руб", "rur": "руб",
  "л": "л", "литр": "л", "литры": "л", "литров": "л", "литра": "л", "l": "л", "ltr": "л", "liters": "л", "litres": "л",
  "км": "км", "km": "км", "километров": "км",
};

/**
 * Normalise a header for lookup: trim, lower case, `ё`→`е`, NBSP → space, brackets → a comma
 * clause (`Топливо (л)` = `Топливо, л`), runs of spaces/underscores/dots/dashes → one space,
 * `, ` spacing unified, surrounding punctuation dropped, and a trailing unit word canonicalised
 * (`руб.`/`р`/`₽`/`рублей` → `руб`, `литры`/`литров`/`l` → `л`, `km` → `км`) — units are kept,
 * never dropped, so `Топливо, л` and `Топливо, руб` stay different.
 */
export function normaliseHeader(h: unknown): string {
  let s = h === null || h === undefined ? "" : String(h);
  s = s.normalize("NFC").toLowerCase().replace(/ё/g, "е");
  s = s.replace(/[\u00a0\u2007\u2009\u202f\u200b\ufeff\r\n\t]/g, " ");
  s = s.replace(/[([{]([^)\]}]*)[)\]}]/g, ", $1 ");
  s = s.replace(/[\s_.\-‐‑–—]+/g, " ");
  s = s.replace(/\s*,[\s,]*/g, ", ");
  s = s.replace(/^[^\p{L}\p{N}₽$€%№]+|[^\p{L}\p{N}₽$€%]+$/gu, "");
  s = s.replace(/(^|[ ,])([^ ,]+)$/u, (m, sep: string, unit: string) => (sep && UNITS[unit] ? sep + UNITS[unit] : m));
  return s.trim();
}

const compact = (n: string): string => n.replace(/[ ,]/g, "");

// ---------------------------------------------------------------------------------------------
// The index

interface Entry {
  field: string;
  table: TableKind | null;
  /** lower = preferred: 0 client map, 1 kind-specific synonym, 2 generic synonym, 3 field name, 4 label */
  rank: number;
  synonym: string;
}

export type MatchSource = "client_map" | "synonym" | "field_name" | "label" | "compact" | "unit";

export interface HeaderMatch {
  field: string;
  source: MatchSource;
  /** The synonym / name that matched. */
  matched: string;
}

/** A lookup structure over synonyms + fields (+ a client's own map). Build once per load. */
export class HeaderIndex {
  private readonly exact = new Map<string, Entry[]>();
  private readonly compactKeys = new Map<string, Entry[]>();
  readonly fieldsByName: Map<string, FieldDef>;

  constructor(
    synonyms: readonly Synonym[],
    readonly fields: readonly FieldDef[],
    clientMap: readonly ClientHeader[] = [],
  ) {
    this.fieldsByName = new Map(fields.map((f) => [f.field, f]));
    const add = (key: string, e: Entry) => {
      if (!key) return;
      const list = this.exact.get(key) ?? [];
      list.push(e);
      this.exact.set(key, list);
      const c = compact(key);
      const cl = this.compactKeys.get(c) ?? [];
      cl.push(e);
      this.compactKeys.set(c, cl);
    };
    for (const m of clientMap) add(normaliseHeader(m.header), { field: m.field, table: null, rank: 0, synonym: m.header });
    for (const s of synonyms) {
      const table = s.table === "expenses" || s.table === "vehicles" ? s.table : null;
      add(normaliseHeader(s.synonym), { field: s.field, table, rank: table ? 1 : 2, synonym: s.synonym });
    }
    for (const h of CLIENT_HEADERS) add(normaliseHeader(h), { field: CLIENT_FIELD, table: null, rank: 3, synonym: h });
    for (const f of fields) {
      if (f.field === "client_id") continue; // never from a file: a client_id column is a client column
      const table = f.table === "both" ? null : f.table;
      add(normaliseHeader(f.field), { field: f.field, table, rank: 3, synonym: f.field });
      if (f.labelRu) add(normaliseHeader(f.labelRu), { field: f.field, table, rank: 4, synonym: f.labelRu });
    }
  }

  /** Whether a field may appear in a table of this kind (client_id never comes from a file). */
  allowed(field: string, kind: TableKind | null): boolean {
    if (field === CLIENT_FIELD) return true;
    if (field === "client_id") return false;
    const f = this.fieldsByName.get(field);
    if (!f) return false;
    return kind === null || f.table === "both" || f.table === kind;
  }

  private pick(entries: Entry[] | undefined, kind: TableKind | null): Entry | null {
    if (!entries) return null;
    let best: Entry | null = null;
    for (const e of entries) {
      if (kind && e.table && e.table !== kind) continue;
      if (!this.allowed(e.field, kind)) continue;
      if (!best || e.rank < best.rank) best = e;
    }
    return best;
  }

  /** The field a header means in a table of `kind` (null kind = any table), or null. */
  lookup(header: unknown, kind: TableKind | null): HeaderMatch | null {
    const n = typeof header === "string" || typeof header === "number" ? normaliseHeader(header) : "";
    if (!n) return null;
    const srcOf = (e: Entry): MatchSource => (e.rank === 0 ? "client_map" : e.rank <= 2 ? "synonym" : e.rank === 3 ? "field_name" : "label");
    const e = this.pick(this.exact.get(n), kind);
    if (e) return { field: e.field, source: srcOf(e), matched: e.synonym };
    // spaces removed, only when all candidates agree on one field
    const ce = this.compactKeys.get(compact(n))?.filter((x) => (!kind || !x.table || x.table === kind) && this.allowed(x.field, kind));
    if (ce && ce.length && ce.every((x) => x.field === ce[0].field)) return { field: ce[0].field, source: "compact", matched: ce[0].synonym };
    // a unit suffix that agrees with the field's type
    const um = n.match(/^(.+?),? (руб|км|л)$/);
    if (um) {
      const stem = this.lookup(um[1], kind);
      if (stem && stem.field !== CLIENT_FIELD) {
        const f = this.fieldsByName.get(stem.field)!;
        const fits =
          (um[2] === "руб" && f.type === "money") ||
          (um[2] === "км" && (f.kind === "distance_km" || f.kind === "odometer" || f.field === "mileage")) ||
          (um[2] === "л" && (f.kind === "fuel_volume" || f.field === "tank_capacity_l"));
        if (fits) return { field: stem.field, source: "unit", matched: stem.matched };
      }
    }
    return null;
  }

  /** Recognised in any table (for header-row detection). */
  isKnown = (header: unknown): boolean => {
    const m = this.lookup(header, null);
    return m !== null && m.field !== CLIENT_FIELD;
  };

  /** The closest known field to an unrecognised header, by edit distance over normalised synonyms. */
  suggest(header: string, kind: TableKind | null): { field: string; synonym: string; distance: number } | null {
    const n = normaliseHeader(header);
    if (n.length < 3) return null;
    let best: { field: string; synonym: string; distance: number } | null = null;
    for (const [key, entries] of this.exact) {
      const e = this.pick(entries, kind);
      if (!e || e.field === CLIENT_FIELD) continue;
      // at most 30% of the longer string may differ
      const allowed = Math.max(1, Math.floor(Math.max(n.length, key.length) * 0.3));
      const limit: number = best ? Math.min(best.distance - 1, allowed) : allowed;
      let d: number = limit < 0 ? Infinity : levenshtein(n, key, limit);
      // a header containing a whole synonym as words ("Расходы на топливо АЗС") is close to it
      if (key.length >= 4 && n !== key && ` ${n} `.includes(` ${key} `)) d = Math.min(d, 1);
      if (d <= Math.max(limit, 1) && (!best || d < best.distance)) best = { field: e.field, synonym: e.synonym, distance: d };
    }
    return best;
  }
}

/** Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`. */
export function levenshtein(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

let defaultIndex: HeaderIndex | null = null;
/** An index over the reference CSVs (no client map), cached. */
export function defaultHeaderIndex(): HeaderIndex {
  return (defaultIndex ??= new HeaderIndex(loadSynonyms(), loadFieldDefs()));
}

/** `isKnownHeader` for readers' header-row detection, over the reference synonyms + fields. */
export function isKnownHeader(h: unknown): boolean {
  return defaultHeaderIndex().isKnown(h);
}

// ---------------------------------------------------------------------------------------------
// Mapping a table's headers

export interface ColumnMapping {
  /** 0-based index into RawRow.cells. */
  index: number;
  /** The header as in the source. */
  header: string;
  normalised: string;
  /** Canonical field, `client` for an ignored client column, or null for an unknown column. */
  field: string | null;
  source: MatchSource | null;
  /** Key under which an unknown column's values are kept in `extra` (the header, made unique). */
  extraKey: string | null;
  /** For unknown columns: the closest known field and synonym, if any is reasonably close. */
  suggestion: { field: string; synonym: string } | null;
}

export interface HeaderMapping {
  kind: TableKind;
  /** One per source column, in source order. */
  columns: ColumnMapping[];
  /** source header → field, for the load report (recognised columns only). */
  mapping: Record<string, string>;
  /** Unknown columns with suggestions, for the load report. */
  unknown: { header: string; column: number; suggestion: string | null; synonym: string | null }[];
  /** Index of the (first) `client` column, whose values are ignored but reported. */
  clientColumns: number[];
  /** Why this kind was chosen. */
  kindReason: string;
}

const columnLabel = (i: number, header: string): string => `${JSON.stringify(header)} (column ${i + 1})`;

/**
 * Decide the table kind and map every column. Throws SourceError:
 * `no_columns` (nothing recognised), `no_gov_number`, `no_date` (an expenses table without a date
 * column), `duplicate_target` (two columns for one field).
 */
export function mapHeaders(
  headers: readonly string[],
  synonyms: readonly Synonym[] | HeaderIndex,
  clientMap: readonly ClientHeader[],
  fields: readonly FieldDef[],
  kindHint: TableKind | null,
): HeaderMapping {
  const index = synonyms instanceof HeaderIndex ? synonyms : new HeaderIndex(synonyms, fields, clientMap);
  const byKind = (kind: TableKind) => headers.map((h) => index.lookup(h, kind));
  const exp = byKind("expenses");
  const veh = byKind("vehicles");
  const has = (ms: (HeaderMatch | null)[], f: string) => ms.some((m) => m?.field === f);
  const tableOf = (f: string) => index.fieldsByName.get(f)?.table;
  const expOnly = exp.filter((m) => m && m.field !== "date" && tableOf(m.field) === "expenses").length;
  const vehOnly = veh.filter((m) => m && tableOf(m.field) === "vehicles").length;
  const seen = headers.map((h) => JSON.stringify(h)).join(", ");

  const recognised = exp.some((m) => m && m.field !== CLIENT_FIELD) || veh.some((m) => m && m.field !== CLIENT_FIELD);
  if (!recognised) {
    const hints = headers
      .filter((h) => normaliseHeader(h))
      .slice(0, 12)
      .map((h) => {
        const s = index.suggest(h, null);
        return s ? `${JSON.stringify(h)} → maybe ${s.field} (${JSON.stringify(s.synonym)})` : null;
      })
      .filter(Boolean);
    throw new SourceError(
      `no recognisable columns: headers seen ${seen || "(none)"}` +
        (hints.length ? `; closest known: ${hints.join("; ")}` : "") +
        `; expected e.g. "Госномер", "Дата", "Топливо, руб" (see reference/column_synonyms.csv)`,
      "no_columns",
    );
  }
  if (!has(exp, "gov_number")) {
    const s = headers.map((h) => ({ h, s: index.suggest(h, null) })).filter((x) => x.s?.field === "gov_number");
    throw new SourceError(
      `no vehicle registration number column (gov_number): headers seen ${seen}` +
        (s.length ? `; closest: ${s.map((x) => `${JSON.stringify(x.h)} ~ ${JSON.stringify(x.s!.synonym)}`).join(", ")}` : "") +
        `; expected e.g. "Госномер", "Гос. номер", "Номер ТС", "gov_number"`,
      "no_gov_number",
    );
  }

  let kind: TableKind;
  let kindReason: string;
  if (has(exp, "date")) {
    if (kindHint === "vehicles" && vehOnly > expOnly) {
      kind = "vehicles";
      kindReason = `name says vehicles and ${vehOnly} vehicle columns outweigh ${expOnly} expense columns (the date column is kept as extra)`;
    } else {
      kind = "expenses";
      kindReason = "has date and gov_number columns";
    }
  } else if (kindHint === "expenses" || (expOnly >= 2 && expOnly > vehOnly)) {
    // several money columns and no date: a per-vehicle summary or a date column we cannot read
    throw new SourceError(
      `looks like an expenses table (${kindHint === "expenses" ? "by its name" : `${expOnly} expense columns`}) but has no date column: headers seen ${seen}; expected e.g. "Дата", "Дата операции", "date"`,
      "no_date",
    );
  } else {
    kind = "vehicles";
    kindReason = "has gov_number and no date column";
  }

  const matches = kind === "expenses" ? exp : veh;
  const columns: ColumnMapping[] = [];
  const target = new Map<string, number>();
  const extraKeys = new Set<string>();
  const clientColumns: number[] = [];
  const unknown: HeaderMapping["unknown"] = [];
  const mapping: Record<string, string> = {};
  headers.forEach((header, i) => {
    const m = matches[i];
    const normalised = normaliseHeader(header);
    if (m && m.field === CLIENT_FIELD) {
      clientColumns.push(i);
      columns.push({ index: i, header, normalised, field: CLIENT_FIELD, source: m.source, extraKey: null, suggestion: null });
      return;
    }
    if (m) {
      const prev = target.get(m.field);
      if (prev !== undefined) {
        throw new SourceError(
          `two columns map to the same field "${m.field}": ${columnLabel(prev, headers[prev])} and ${columnLabel(i, header)}; remove or rename one of them`,
          "duplicate_target",
        );
      }
      target.set(m.field, i);
      mapping[header] = m.field;
      columns.push({ index: i, header, normalised, field: m.field, source: m.source, extraKey: null, suggestion: null });
      return;
    }
    // unknown: keep in extra under its header (unique; a blank header becomes column_N)
    let key = String(header ?? "").trim().replace(/\s+/g, " ") || `column_${i + 1}`;
    if (extraKeys.has(key)) {
      let k = 2;
      while (extraKeys.has(`${key} (${k})`)) k++;
      key = `${key} (${k})`;
    }
    extraKeys.add(key);
    const s = normalised ? index.suggest(header, kind) : null;
    columns.push({ index: i, header, normalised, field: null, source: null, extraKey: key, suggestion: s ? { field: s.field, synonym: s.synonym } : null });
    if (normalised) unknown.push({ header, column: i + 1, suggestion: s?.field ?? null, synonym: s?.synonym ?? null });
  });
  return { kind, columns, mapping, unknown, clientColumns, kindReason };
}

/** Kind hint from a file, sheet or JSON key name: транспорт/ТС/vehicles/transport → vehicles; расходы/expenses → expenses. */
export function kindHintFromName(name: string): TableKind | null {
  const s = name.toLowerCase().replace(/ё/g, "е");
  // "Расходы транспорта", transport_daily_expenses: expenses of vehicles → expenses
  if (/расход|затрат|expense|(^|[^a-z])costs?([^a-z]|$)/.test(s)) return "expenses";
  if (/транспорт|автопарк|(^|[^a-zа-я])тс([^a-zа-я]|$)|vehicle|transport/.test(s)) return "vehicles";
  return null;
}
