// Value parsers for messy spreadsheet cells: numbers and money as Russian Excel/1C write them,
// dates in the usual Russian and ISO forms plus Excel serials, booleans, plates, driver names.
// Every parser is pure and returns {ok:true, value} | {ok:false, reason} with a reason a person
// can act on (`"fuel": "abc" is not a number`). Parsers never throw on bad input.

import type { RawCell } from "./types.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** How a raw value is quoted inside a reason: `"abc"`, shortened when very long. */
export function showRaw(raw: RawCell | undefined): string {
  if (raw === null || raw === undefined) return "empty";
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? '"Invalid Date"' : JSON.stringify(raw.toISOString());
  if (typeof raw !== "string") return String(raw);
  const s = raw.length > 80 ? raw.slice(0, 77) + "…" : raw;
  return JSON.stringify(s);
}

/** `"fuel": ` prefix when a field name is known. */
const lead = (field: string | undefined): string => (field ? `${JSON.stringify(field)}: ` : "");

/** True for null/undefined and for strings that are empty after trimming (incl. NBSP). */
export function isBlank(raw: RawCell | undefined): raw is null | undefined | "" {
  return raw === null || raw === undefined || (typeof raw === "string" && raw.trim() === "");
}

// ---------------------------------------------------------------------------------------------
// Numbers

// Spaces people and programs put between digit groups: ASCII space, NBSP, narrow NBSP, thin
// space, figure space, punctuation space, apostrophes (Swiss/1C "1'234").
const GROUP_SPACES = /[\s\u00a0\u2007\u2008\u2009\u202f'’]/g;
// Currency marks accepted after or before a number (compared after lowering).
const CURRENCY_SUFFIX = /(₽|руб\.?|рублей|рубля|рубль|р\.|р|rub\.?|rur\.?)$/;
const CURRENCY_PREFIX = /^(₽|rub|rur|\$|€)/;

/**
 * Parse a number written by a person or a program. Accepts `1 234,56`, `1234.56`, `1,234.56`,
 * `1.234,56`, `1 234,56 ₽`, `1234,56 руб.`, NBSP/thin spaces between groups, a leading `-`, `−`
 * or `+`, `(123)` as negative, `1,5E+3`. Rejects `abc`, `1,2,3`, `12 34`, NaN/Infinity.
 * Blank → `null` (the caller decides what empty means: 0 for money, null for attributes).
 */
export function parseNumber(raw: RawCell | undefined, field?: string): Parsed<number | null> {
  if (isBlank(raw)) return ok(null);
  if (typeof raw === "number") {
    return Number.isFinite(raw) ? ok(raw) : fail(`${lead(field)}${showRaw(raw)} is not a finite number`);
  }
  if (typeof raw === "boolean" || raw instanceof Date) {
    return fail(`${lead(field)}${showRaw(raw)} is not a number`);
  }
  const n = parseNumericText(raw);
  if (n === null) return fail(`${lead(field)}${showRaw(raw)} is not a number`);
  return ok(n);
}

/** Like parseNumber, but blank → 0 and the result is rounded to kopecks. */
export function parseMoney(raw: RawCell | undefined, field?: string): Parsed<number> {
  const r = parseNumber(raw, field);
  if (!r.ok) return r;
  if (r.value === null) return ok(0);
  return ok(roundMoney(r.value));
}

/** Round to 2 decimals without binary noise (1234.5600000000002 → 1234.56). */
export function roundMoney(x: number): number {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Plain integers and decimals (`-?\d{1,15}([.,]\d{1,15})?`: "245", "-38,5", "1528.80"), the
 * common case, parsed without a regex or the general machinery below; undefined for any other
 * text. With at most 15 digits in all, the digits form an exact integer and one division by an
 * exact power of ten is correctly rounded: the same double Number() gives for the text. Longer
 * ones go through Number().
 */
export function simpleNumber(input: string): number | undefined {
  const n = input.length;
  let i = 0;
  if (n > 0 && input.charCodeAt(0) === 45 /* - */) i = 1;
  const intStart = i;
  let mant = 0;
  for (; i < n; i++) {
    const d = input.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    mant = mant * 10 + d;
  }
  const intDigits = i - intStart;
  if (intDigits === 0 || intDigits > 15) return undefined;
  let fracDigits = 0;
  let comma = false;
  if (i < n) {
    const sep = input.charCodeAt(i);
    if (sep === 44 /* , */) comma = true;
    else if (sep !== 46 /* . */) return undefined;
    const fracStart = ++i;
    for (; i < n; i++) {
      const d = input.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      mant = mant * 10 + d;
    }
    fracDigits = i - fracStart;
    if (fracDigits === 0 || fracDigits > 15) return undefined;
  }
  let v: number;
  if (intDigits + fracDigits <= 15) {
    v = fracDigits ? mant / POW10[fracDigits] : mant;
    if (intStart) v = -v;
  } else {
    v = Number(comma ? input.replace(",", ".") : input);
  }
  return v === 0 ? 0 : v;
}

function parseNumericText(input: string): number | null {
  const simple = simpleNumber(input);
  if (simple !== undefined) return simple;
  let s = input.trim().toLowerCase();
  if (s.length > 64) return null;
  let negative = false;
  // (123) accounting negative
  if (s.startsWith("(") && s.endsWith(")")) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  // currency before/after
  const suf = s.match(CURRENCY_SUFFIX);
  if (suf && /[\d\s.)]/.test(s.charAt(s.length - suf[0].length - 1) || "")) s = s.slice(0, s.length - suf[0].length).trim();
  const pre = s.match(CURRENCY_PREFIX);
  if (pre) s = s.slice(pre[0].length).trim();
  // sign (ASCII minus, Unicode minus, en dash used as minus, plus)
  if (/^[-−–]/.test(s)) {
    if (negative) return null;
    negative = true;
    s = s.slice(1).trim();
  } else if (s.startsWith("+")) {
    s = s.slice(1).trim();
  }
  if (s.startsWith("(") && s.endsWith(")") && !negative) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  // exponent (Excel writes 1,5E+15 for big numbers in CSV)
  let exp = 0;
  const em = s.match(/^(.*\d)e([+-]?\d{1,3})$/);
  if (em) {
    exp = Number(em[2]);
    s = em[1];
  }
  // space-like group separators: only between digit groups of exactly 3
  if (/[\s\u00a0\u2007\u2008\u2009\u202f'’]/.test(s)) {
    const parts = s.split(/[\s\u00a0\u2007\u2008\u2009\u202f'’]+/);
    // the first part: 1–3 digits; middle parts exactly 3 digits; the last part: 3 digits then
    // optionally a decimal tail
    if (!/^\d{1,3}$/.test(parts[0])) return null;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i];
      if (i < parts.length - 1 ? !/^\d{3}$/.test(p) : !/^\d{3}([.,]\d+)?$/.test(p)) return null;
    }
    s = parts.join("");
    s = s.replace(GROUP_SPACES, "");
  }
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return null;
  const commas = count(s, ",");
  const dots = count(s, ".");
  let normalised: string;
  if (commas && dots) {
    // the later one is the decimal mark, the other groups thousands
    const dec = s.lastIndexOf(",") > s.lastIndexOf(".") ? "," : ".";
    const grp = dec === "," ? "." : ",";
    if (count(s, dec) !== 1) return null;
    const [intPart, frac] = s.split(dec);
    if (!validGroups(intPart, grp) || !/^\d+$/.test(frac)) return null;
    normalised = intPart.split(grp).join("") + "." + frac;
  } else if (commas || dots) {
    const mark = commas ? "," : ".";
    const n = commas || dots;
    if (n === 1) {
      // single mark = decimal mark (Russian decimal comma, or a dot)
      const [a, b] = s.split(mark);
      if (!/^\d*$/.test(a) || !/^\d+$/.test(b) || (a === "" && b === "")) return null;
      normalised = (a || "0") + "." + b;
    } else {
      // several marks: only valid as thousands groups (1,234,567 / 1.234.567)
      if (!validGroups(s, mark)) return null;
      normalised = s.split(mark).join("");
    }
  } else {
    normalised = s;
  }
  let v = Number(normalised);
  if (exp) v = Number(normalised + "e" + exp);
  if (!Number.isFinite(v)) return null;
  return negative ? (v === 0 ? 0 : -v) : v;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function validGroups(intPart: string, sep: string): boolean {
  if (!intPart.includes(sep)) return /^\d+$/.test(intPart);
  const g = intPart.split(sep);
  return /^\d{1,3}$/.test(g[0]) && g.slice(1).every((x) => /^\d{3}$/.test(x));
}

// ---------------------------------------------------------------------------------------------
// Dates

export interface DateOptions {
  /** "Today" for the upper bound (today + 1 year). Defaults to the current UTC date. */
  today?: Date | string;
  /** Inclusive lower bound, ISO `YYYY-MM-DD`. Default `2000-01-01`. */
  min?: string;
  /** Inclusive upper bound, ISO; default today + 1 year. */
  max?: string;
}

/** The ISO date `YYYY-MM-DD` of a Date by its UTC calendar fields. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function todayIso(today: Date | string | undefined): string {
  if (typeof today === "string") return today.slice(0, 10);
  return isoDate(today ?? new Date());
}

/** today + 1 year (29 Feb → 28 Feb / 1 Mar handled by Date arithmetic). */
export function defaultMaxDate(today?: Date | string): string {
  const t = todayIso(today);
  const d = new Date(t + "T00:00:00Z");
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return isoDate(d);
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30); // serial 0 in the 1900 system (with the 1900 leap bug)

/** Excel serial day number (1900 system) → Date at UTC midnight + fraction of day. */
export function excelSerialToDate(serial: number, date1904 = false): Date {
  const days = date1904 ? serial + 1462 : serial;
  return new Date(EXCEL_EPOCH_MS + Math.round(days * 86400000));
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function validYmd(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || y < 1 || y > 9999) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS[m - 1])) return null;
  return `${y < 1000 ? String(y).padStart(4, "0") : y}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
};
/** `DD.MM.YYYY` and `YYYY-MM-DD` exactly (10 characters): no regex, no allocation but the result. */
function fastDate(s: string): string | null | undefined {
  if (s.length !== 10) return undefined;
  const c2 = s.charCodeAt(2);
  if (c2 === 46 /* . */ && s.charCodeAt(5) === 46) {
    const d = digit(s, 0) * 10 + digit(s, 1);
    const m = digit(s, 3) * 10 + digit(s, 4);
    const y = digit(s, 6) * 1000 + digit(s, 7) * 100 + digit(s, 8) * 10 + digit(s, 9);
    if (d < 0 || m < 0 || y < 0) return undefined;
    return validYmd(y, m, d);
  }
  if (s.charCodeAt(4) === 45 /* - */ && s.charCodeAt(7) === 45) {
    const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
    const m = digit(s, 5) * 10 + digit(s, 6);
    const d = digit(s, 8) * 10 + digit(s, 9);
    if (d < 0 || m < 0 || y < 0) return undefined;
    return validYmd(y, m, d);
  }
  return undefined;
}

// Optional time part: ` 14:30`, ` 14:30:00`, `T14:30:00.123Z`, ` 14:30:00+03:00`, ` 0:00:00`
const TIME = String.raw`(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)?)?`;
const RE_DMY = new RegExp(String.raw`^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:\s*г\.?)?${TIME}$`, "i");
const RE_YMD = new RegExp(String.raw`^(\d{4})[-./](\d{1,2})[-./](\d{1,2})${TIME}$`, "i");
const RE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const RE_SERIAL = /^\d{4,6}(?:[.,]\d+)?$/;

/**
 * Parse a date: `27.11.2025`, `2025-11-27`, `27/11/2025`, `27-11-2025`, `27.11.25`, with an
 * optional time (`27.11.2025 14:30`, `2025-11-27T14:30:00Z` — the time is dropped, the written
 * calendar date is kept), `20251127`, Excel serials (number or numeric text), JS Dates (their UTC
 * calendar date: readers produce dates at UTC midnight). Day first: `03/04/2025` is 3 April.
 * Returns ISO `YYYY-MM-DD`; outside [min, max] (default 2000-01-01 … today + 1 year) is an error.
 * Blank → null.
 */
export function parseDate(raw: RawCell | undefined, field?: string, opts: DateOptions = {}): Parsed<string | null> {
  if (isBlank(raw)) return ok(null);
  let iso: string | null = null;
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) return fail(`${lead(field)}invalid date`);
    iso = isoDate(raw);
  } else if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 1 || raw > 2958465) return fail(`${lead(field)}${showRaw(raw)} is not a date`);
    iso = isoDate(excelSerialToDate(raw));
  } else if (typeof raw === "boolean") {
    return fail(`${lead(field)}${showRaw(raw)} is not a date`);
  } else {
    const fast = fastDate(raw);
    const s = fast === undefined ? raw.trim().replace(/\s+/g, " ") : raw;
    let m: RegExpMatchArray | null;
    if (fast !== undefined) {
      iso = fast;
    } else if ((m = s.match(RE_YMD))) {
      iso = validYmd(+m[1], +m[2], +m[3]);
    } else if ((m = s.match(RE_DMY))) {
      let y = +m[3];
      if (m[3].length === 2) y += 2000; // 25 → 2025; 99 → 2099 falls outside the range anyway
      iso = validYmd(y, +m[2], +m[1]);
    } else if ((m = s.match(RE_COMPACT))) {
      iso = validYmd(+m[1], +m[2], +m[3]);
    } else if (RE_SERIAL.test(s)) {
      const n = Number(s.replace(",", "."));
      if (n >= 1 && n <= 2958465) iso = isoDate(excelSerialToDate(n));
    }
    if (iso === null) return fail(`${lead(field)}${showRaw(raw)} is not a date (expected DD.MM.YYYY or YYYY-MM-DD)`);
  }
  const min = opts.min ?? "2000-01-01";
  const max = opts.max ?? defaultMaxDate(opts.today);
  if (iso < min || iso > max) {
    return fail(`${lead(field)}${showRaw(raw)} is outside the accepted range ${min} … ${max}`);
  }
  return ok(iso);
}

// ---------------------------------------------------------------------------------------------
// Booleans

const TRUE_WORDS = new Set(["да", "д", "true", "t", "1", "+", "yes", "y", "есть", "истина", "имеется", "x", "х", "v", "✓", "✔", "on"]);
const FALSE_WORDS = new Set(["нет", "н", "false", "f", "0", "-", "−", "–", "no", "n", "ложь", "отсутствует", "off"]);

/** да/нет, true/false, 1/0, +/−/-, yes/no, есть/нет (and истина/ложь as 1C writes). Blank → null. */
export function parseBoolean(raw: RawCell | undefined, field?: string): Parsed<boolean | null> {
  if (isBlank(raw)) return ok(null);
  if (typeof raw === "boolean") return ok(raw);
  if (typeof raw === "number") {
    if (raw === 1) return ok(true);
    if (raw === 0) return ok(false);
    return fail(`${lead(field)}${showRaw(raw)} is not yes/no (expected да/нет, 1/0, true/false)`);
  }
  if (raw instanceof Date) return fail(`${lead(field)}${showRaw(raw)} is not yes/no`);
  const s = raw.trim().toLowerCase().replace(/ё/g, "е").replace(/[.!]+$/, "");
  if (TRUE_WORDS.has(s)) return ok(true);
  if (FALSE_WORDS.has(s)) return ok(false);
  return fail(`${lead(field)}${showRaw(raw)} is not yes/no (expected да/нет, 1/0, true/false)`);
}

// ---------------------------------------------------------------------------------------------
// Plates and drivers

const LATIN_TO_CYRILLIC: Record<string, string> = {
  A: "А", B: "В", E: "Е", K: "К", M: "М", H: "Н", O: "О", P: "Р", C: "С", T: "Т", Y: "У", X: "Х",
};
const MAX_PLATE = 32;

/**
 * Vehicle registration plate: upper case, `ё`→`Е`, whitespace and dashes removed, Latin look-alike
 * letters (A B E K M H O P C T Y X) → Cyrillic, a trailing ` RUS` / `РУС` after the region
 * dropped. `а123вс77`, `A123BC 77` and `А 123 ВС 77 RUS` are all `А123ВС77`.
 * Blank → error (a plate is required wherever it appears).
 */
export function normalisePlate(raw: RawCell | undefined, field = "gov_number"): Parsed<string> {
  if (isBlank(raw)) return fail(`${lead(field)}is empty (a vehicle registration number is required)`);
  if (typeof raw === "boolean" || raw instanceof Date) return fail(`${lead(field)}${showRaw(raw)} is not a registration number`);
  let s = (typeof raw === "number" ? String(raw) : raw).normalize("NFC").toUpperCase().replace(/Ё/g, "Е");
  s = s.replace(/[\s\u00a0\u2007\u2009\u202f\u200b\ufeff\-‐‑–—]+/g, "");
  s = s.replace(/(\d)(RUS|РУС)\.?$/, "$1");
  s = s.replace(/[ABEKMHOPCTYX]/g, (c) => LATIN_TO_CYRILLIC[c]);
  if (s.length === 0) return fail(`${lead(field)}is empty (a vehicle registration number is required)`);
  if (s.length > MAX_PLATE) return fail(`${lead(field)}${showRaw(raw)} is too long for a registration number (${s.length} > ${MAX_PLATE} characters)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return fail(`${lead(field)}${showRaw(raw)} contains control characters`);
  return ok(s);
}

/** Driver name: trimmed, inner whitespace (incl. NBSP, tabs, newlines) collapsed. Blank → "". */
export function normaliseDriver(raw: RawCell | undefined): string {
  if (isBlank(raw)) return "";
  const s = raw instanceof Date ? isoDate(raw) : String(raw);
  return s.normalize("NFC").replace(/[\s\u00a0\u2007\u2009\u202f\u200b\ufeff]+/g, " ").trim();
}

/**
 * A copy of `s` that holds no reference to a larger string. The CSV reader's cells are slices of
 * the decoded chunk they came from (V8 keeps a slice of 13+ characters as a view into its parent),
 * so a cell kept beyond its row — in a memo, a reject, the report — would keep that whole chunk
 * alive. Used only where strings outlive the row, so the cost is paid rarely.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Any cell as text for `extra`, reject records and text attributes (Date → ISO date/time). */
export function cellText(raw: RawCell | undefined): string {
  if (raw === null || raw === undefined) return "";
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) return "";
    const iso = raw.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
  }
  return String(raw);
}
