// Row normaliser: RawRow (reader cells) → a typed record of canonical fields, or a reject with a
// reason a person can act on and the raw values. Cells are converted by the value parsers
// (values.ts), then the record is validated per row with a zod schema built from the mapping:
// required keys, numeric(14,2) bounds, no negative distances/litres, whole years.
// Unknown columns go to `extra` (non-empty values only); the `client` column is ignored but its
// values are collected in `stats.clientValues` for the report.

import { z } from "zod";
import type { RawCell, RawRow, TableKind } from "./types.js";
import type { FieldDef, HeaderMapping } from "./headers.js";
import { CLIENT_FIELD } from "./headers.js";
import {
  cellText,
  isBlank,
  normaliseDriver,
  normalisePlate,
  parseBoolean,
  parseDate,
  parseMoney,
  parseNumber,
  roundMoney,
  simpleNumber,
  ownString,
  defaultMaxDate,
  showRaw,
  type Parsed,
} from "./values.js";

export type FieldValue = string | number | boolean | null;

export type NormalisedRow =
  | {
      ok: true;
      /** Mapped fields only (see `normaliser.recordFields`); dates are ISO `YYYY-MM-DD`, money is rounded to kopecks. */
      record: Record<string, FieldValue>;
      /** The same values as an array in `recordFields` order (what the loader reads: no lookups by name). */
      values: FieldValue[];
      /** Unknown columns' non-empty values by header, or null. */
      extra: Record<string, string> | null;
      /** Some money value is negative (refund/correction): allowed, counted in the report. */
      negativeMoney: boolean;
      /** The value of the file's `client` column, if any (ignored, reported). */
      client: string | null;
    }
  | {
      ok: false;
      /** `"fuel": "abc" is not a number; "date": "31.02.2025" is not a date …` */
      reason: string;
      /** The row's cells as text, by header (for fleet.load_rejects). */
      raw: Record<string, string>;
    };

export interface NormaliserStats {
  rows: number;
  ok: number;
  rejected: number;
  negativeMoneyRows: number;
  /** Distinct values of the `client` column (first 50). */
  clientValues: string[];
  dateMin: string | null;
  dateMax: string | null;
}

export interface NormaliserOptions {
  /** "Today" for the date range (default: now). */
  today?: Date | string;
  /** A cell longer than this rejects its row (default 10,000 characters). */
  maxCellChars?: number;
  /** Raw values in rejects are cut to this length (default 2,000). */
  maxRawChars?: number;
}

export interface RowNormaliser {
  (row: RawRow): NormalisedRow;
  readonly kind: TableKind;
  /** The keys of `record`, in source column order. */
  readonly recordFields: string[];
  readonly stats: NormaliserStats;
}

/** numeric(14,2): |x| ≤ 999 999 999 999.99 */
export const MONEY_LIMIT = 1e12;

type Converter = (raw: RawCell) => Parsed<FieldValue>;

interface Ranges {
  /** accepted range of the expense date (2000-01-01 … today + 1 year) */
  dateMin: string;
  dateMax: string;
  /** accepted range of attribute dates (start_date, last_repair_date) */
  attrDateMin: string;
}

/** A small memo for values that repeat row after row (plates, drivers): bounded, cleared when full. */
function memo<T>(fn: (raw: string) => T, size = 20_000): (raw: string) => T {
  const m = new Map<string, T>();
  return (raw) => {
    let v = m.get(raw);
    if (v === undefined) {
      // the key and the value outlive the row: own copies, not slices of the reader's chunk
      const key = ownString(raw);
      v = fn(key);
      if (m.size >= size) m.clear();
      m.set(key, v);
    }
    return v;
  };
}

function converterFor(f: FieldDef, kind: TableKind, r: Ranges): Converter {
  const name = f.field;
  if (name === "gov_number") {
    const cached = memo((s: string) => normalisePlate(s, name));
    return (raw) => (typeof raw === "string" ? cached(raw) : normalisePlate(raw, name));
  }
  if (name === "driver") {
    const cached = memo((s: string): Parsed<FieldValue> => ({ ok: true, value: normaliseDriver(s) }));
    return (raw) => (typeof raw === "string" ? cached(raw) : { ok: true, value: normaliseDriver(raw) });
  }
  switch (f.type) {
    case "date": {
      const opts = name === "date" ? { min: r.dateMin, max: r.dateMax } : { min: r.attrDateMin, max: r.dateMax };
      return (raw) => parseDate(raw, name, opts);
    }
    case "money": {
      // money of an expense row: empty = 0; money attributes of a vehicle: empty = unknown
      if (f.kind === "attribute" || kind === "vehicles") return numberConverter(name);
      // Plain numbers ("0", "490.27") skip the general parser and its result objects: one result
      // object per column is reused (the caller reads it before the next call).
      const res: { ok: true; value: FieldValue } = { ok: true, value: 0 };
      return (raw) => {
        if (typeof raw === "string") {
          const v = simpleNumber(raw);
          if (v !== undefined) {
            res.value = roundMoney(v);
            return res;
          }
        }
        return parseMoney(raw, name);
      };
    }
    case "numeric":
    case "integer":
      return numberConverter(name);
    case "boolean":
      return (raw) => parseBoolean(raw, name);
    default:
      return (raw) => {
        if (isBlank(raw)) return { ok: true, value: null };
        return { ok: true, value: normaliseDriver(raw) };
      };
  }
}

/** parseNumber, with plain numbers parsed without its general machinery (see the money converter). */
function numberConverter(name: string): Converter {
  const res: { ok: true; value: FieldValue } = { ok: true, value: 0 };
  return (raw) => {
    if (typeof raw === "string") {
      const v = simpleNumber(raw);
      if (v !== undefined) {
        res.value = v;
        return res;
      }
    }
    return parseNumber(raw, name);
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The per-field rules of a record, declared once. `schema` is the zod schema built from them (the
 * authority, and what produces the messages); `check` is the same rules as plain code, used as a
 * fast path: rows that pass it are exactly the rows zod accepts (test/ingest.normalise.test.ts
 * checks the two agree on random records), so zod runs only on rows that have a problem.
 */
interface Rule {
  schema: z.ZodTypeAny;
  check: (v: unknown) => boolean;
}

function ruleFor(f: FieldDef, kind: TableKind, maxYear: number, maxCell: number): Rule {
  const name = f.field;
  const str = (max: number) => (v: unknown) => typeof v === "string" && v.length <= max;
  if (name === "gov_number") {
    return { schema: z.string().min(1, "is empty (a vehicle registration number is required)"), check: (v) => typeof v === "string" && v.length >= 1 };
  }
  if (name === "date" && kind === "expenses") {
    return {
      schema: z.string({ invalid_type_error: "is empty (the date is required)" }).regex(ISO_DATE),
      check: (v) => typeof v === "string" && ISO_DATE.test(v),
    };
  }
  if (name === "driver") return { schema: z.string().max(maxCell), check: str(maxCell) };
  switch (f.type) {
    case "money": {
      const m = z
        .number()
        .finite()
        .refine((x) => Math.abs(x) < MONEY_LIMIT, { message: "is beyond numeric(14,2) (more than 999 999 999 999,99)" });
      const inRange = (v: unknown) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) < MONEY_LIMIT;
      return f.kind === "attribute" || kind === "vehicles" ? { schema: m.nullable(), check: (v) => v === null || inRange(v) } : { schema: m, check: inRange };
    }
    case "numeric":
      return {
        schema: z.number().finite().nonnegative({ message: "is negative" }).lt(MONEY_LIMIT, { message: "is too large" }).nullable(),
        check: (v) => v === null || (typeof v === "number" && Number.isFinite(v) && v >= 0 && v < MONEY_LIMIT),
      };
    case "integer": {
      const lo = name === "release_year" ? 1950 : -2147483648;
      const hi = name === "release_year" ? maxYear : 2147483647;
      return {
        schema: z
          .number()
          .int({ message: "is not a whole number" })
          .min(lo, { message: "is too small" })
          .max(hi, { message: `is too large${name === "release_year" ? ` (after ${maxYear})` : ""}` })
          .nullable(),
        check: (v) => v === null || (typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi),
      };
    }
    case "boolean":
      return { schema: z.boolean().nullable(), check: (v) => v === null || typeof v === "boolean" };
    case "date":
      return { schema: z.string().regex(ISO_DATE).nullable(), check: (v) => v === null || (typeof v === "string" && ISO_DATE.test(v)) };
    default:
      return { schema: z.string().max(maxCell).nullable(), check: (v) => v === null || str(maxCell)(v) };
  }
}

/** The zod schema and fast check of a table's records (exported for the agreement test). */
export function recordRules(
  mapping: HeaderMapping,
  fields: readonly FieldDef[],
  opts: NormaliserOptions = {},
): { schema: z.ZodObject<z.ZodRawShape>; check: (r: Record<string, unknown>) => boolean; checkValues: (values: readonly unknown[]) => boolean; fields: string[] } {
  const byName = new Map(fields.map((f) => [f.field, f]));
  const maxYear = Number(todayIso(opts.today).slice(0, 4)) + 1;
  const names = mapping.columns.filter((c) => c.field && c.field !== CLIENT_FIELD && byName.has(c.field)).map((c) => c.field!);
  const rules = names.map((n) => ruleFor(byName.get(n)!, mapping.kind, maxYear, opts.maxCellChars ?? 10_000));
  const shape: Record<string, z.ZodTypeAny> = {};
  names.forEach((n, i) => (shape[n] = rules[i].schema));
  const checks = rules.map((r) => r.check);
  return {
    schema: z.object(shape),
    check: (rec) => {
      for (let i = 0; i < names.length; i++) if (!checks[i](rec[names[i]])) return false;
      return true;
    },
    // the same checks over the values in `fields` order
    checkValues: (values) => {
      for (let i = 0; i < checks.length; i++) if (!checks[i](values[i])) return false;
      return true;
    },
    fields: names,
  };
}

const todayIso = (today: Date | string | undefined): string =>
  typeof today === "string" ? today.slice(0, 10) : (today ?? new Date()).toISOString().slice(0, 10);

const TOTALS = /^\s*(итого|всего|итог|total|totals|grand total)(?!\p{L})/iu;

/** Build the per-row function for one table. `fields` is reference/fields.csv (loadFieldDefs()). */
export function makeRowNormaliser(mapping: HeaderMapping, fields: readonly FieldDef[], opts: NormaliserOptions = {}): RowNormaliser {
  const kind = mapping.kind;
  const maxCell = opts.maxCellChars ?? 10_000;
  const maxRaw = opts.maxRawChars ?? 2_000;
  const byName = new Map(fields.map((f) => [f.field, f]));
  const ranges: Ranges = { dateMin: "2000-01-01", dateMax: defaultMaxDate(todayIso(opts.today)), attrDateMin: "1950-01-01" };

  interface Col {
    index: number;
    header: string;
    label: string;
    field: string | null;
    convert: Converter | null;
    extraKey: string | null;
    money: boolean;
  }
  const cols: Col[] = mapping.columns.map((c) => {
    const f = c.field && c.field !== CLIENT_FIELD ? byName.get(c.field) : undefined;
    return {
      index: c.index,
      header: c.header,
      label: c.header.trim() || `column ${c.index + 1}`,
      field: c.field,
      convert: f ? converterFor(f, kind, ranges) : null,
      extraKey: c.extraKey,
      money: f?.type === "money",
    };
  });
  const mapped = cols.filter((c) => c.convert);
  const recordFields = mapped.map((c) => c.field!);
  const { schema, checkValues, fields: ruleFields } = recordRules(mapping, fields, opts);
  if (ruleFields.join("\u0001") !== recordFields.join("\u0001")) throw new Error("internal: the record rules and the mapped columns disagree");
  const nMapped = mapped.length;
  const govIndex = recordFields.indexOf("gov_number");
  // Records are clones of one template object holding every field in order: V8 then keeps them
  // as fast objects of one shape (adding 30+ properties by computed name made each record a
  // dictionary), and filling them is a store into an existing property.
  const template: Record<string, FieldValue> = JSON.parse(JSON.stringify(Object.fromEntries(recordFields.map((f) => [f, null]))));
  const clientCols = cols.filter((c) => c.field === CLIENT_FIELD);
  const extraCols = cols.filter((c) => c.extraKey);
  const width = mapping.columns.length;
  const rawKeys = cols.map((c) => c.extraKey ?? (c.header.trim() || `column_${c.index + 1}`));
  // make raw keys unique (duplicate headers that map to client or the same unknown header)
  const seenKeys = new Set<string>();
  rawKeys.forEach((k, i) => {
    let key = k;
    for (let n = 2; seenKeys.has(key); n++) key = `${k} (${n})`;
    seenKeys.add(key);
    rawKeys[i] = key;
  });

  const stats: NormaliserStats = { rows: 0, ok: 0, rejected: 0, negativeMoneyRows: 0, clientValues: [], dateMin: null, dateMax: null };
  const clientSeen = new Set<string>();

  const rawOf = (row: RawRow): Record<string, string> => {
    const raw: Record<string, string> = Object.create(null);
    const n = Math.max(width, row.cells.length);
    for (let i = 0; i < n; i++) {
      const v = cellText(row.cells[i]);
      if (v === "" && i >= width) continue;
      const key = i < width ? rawKeys[i] : `column_${i + 1}`;
      raw[key] = v.length > maxRaw ? v.slice(0, maxRaw) + `… (${v.length} characters)` : ownString(v);
    }
    return { ...raw };
  };
  const reject = (row: RawRow, reason: string): NormalisedRow => {
    stats.rejected++;
    return { ok: false, reason, raw: rawOf(row) };
  };

  const fn = (row: RawRow): NormalisedRow => {
    stats.rows++;
    if (row.error) return reject(row, row.error);
    const cells = row.cells;
    // values beyond the header: the row is misaligned (an unquoted delimiter inside a value)
    if (cells.length > width) {
      const beyond = cells.slice(width).filter((c) => !isBlank(c));
      if (beyond.length) {
        return reject(
          row,
          `the row has ${width + cells.slice(width).length} cells but the header has ${width} (extra ${beyond.map((c) => showRaw(c)).slice(0, 3).join(", ")}): values are shifted — probably a delimiter inside an unquoted value`,
        );
      }
    }
    let errors: string[] | null = null;
    for (let i = 0; i < cells.length && i < width; i++) {
      const v = cells[i];
      if (typeof v === "string" && v.length > maxCell) {
        (errors ??= []).push(`${JSON.stringify(cols[i].label)}: the cell is ${v.length} characters long (limit ${maxCell})`);
      }
    }
    if (errors) return reject(row, errors.join("; "));

    const values: FieldValue[] = new Array(nMapped);
    let negativeMoney = false;
    for (let k = 0; k < nMapped; k++) {
      const c = mapped[k];
      const r = c.convert!(cells[c.index] ?? null);
      if (r.ok) {
        const v = r.value;
        values[k] = v;
        if (c.money && typeof v === "number" && v < 0) negativeMoney = true;
      } else {
        (errors ??= []).push(r.reason);
      }
    }
    if (errors) {
      // a totals row at the bottom of a report ("Итого")
      if (!(govIndex !== -1 && values[govIndex] !== undefined) && cells.some((v) => typeof v === "string" && TOTALS.test(v))) {
        return reject(row, `a totals row (${showRaw(cells.find((v) => typeof v === "string" && TOTALS.test(v)))}), not data`);
      }
      return reject(row, errors.join("; "));
    }
    const record: Record<string, FieldValue> = { ...template };
    for (let k = 0; k < nMapped; k++) record[recordFields[k]] = values[k];
    const res = checkValues(values) ? null : schema.safeParse(record);
    if (res && !res.success) {
      const reasons = res.error.issues.map((iss) => {
        const field = String(iss.path[0] ?? "");
        const col = mapped.find((c) => c.field === field);
        const raw = col ? cells[col.index] : undefined;
        return `${JSON.stringify(field)}: ${isBlank(raw) ? "" : showRaw(raw) + " "}${iss.message}`;
      });
      return reject(row, reasons.join("; "));
    }
    let extra: Record<string, string> | null = null;
    for (const c of extraCols) {
      const v = cells[c.index];
      if (isBlank(v)) continue;
      extra ??= {};
      // defineProperty: a header named "__proto__" is a plain key
      Object.defineProperty(extra, c.extraKey!, { value: cellText(v), enumerable: true, writable: true, configurable: true });
    }
    let client: string | null = null;
    for (const c of clientCols) {
      const v = cells[c.index];
      if (isBlank(v)) continue;
      client = cellText(v).trim();
      if (!clientSeen.has(client) && clientSeen.size < 50) {
        client = ownString(client);
        clientSeen.add(client);
        stats.clientValues.push(client);
      }
      break;
    }
    const d = record.date;
    if (typeof d === "string") {
      if (stats.dateMin === null || d < stats.dateMin) stats.dateMin = d;
      if (stats.dateMax === null || d > stats.dateMax) stats.dateMax = d;
    }
    stats.ok++;
    if (negativeMoney) stats.negativeMoneyRows++;
    return { ok: true, record, values, extra, negativeMoney, client };
  };
  return Object.assign(fn, { kind, recordFields, stats });
}
