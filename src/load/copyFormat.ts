// Rows → PostgreSQL COPY text format. One function, so escaping rules live in one place.

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function escapeText(s: string): string {
  // NUL cannot be stored in PostgreSQL text; readers refuse files with NUL bytes before this point.
  // Most values need no escaping: one test, no copy.
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]) : s;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return "\\N";
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return isoDate(v);
  if (typeof v === "object") return escapeText(JSON.stringify(v));
  return escapeText(String(v));
}

export function copyLine(values: unknown[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i) out += "\t";
    out += copyValue(values[i]);
  }
  return out + "\n";
}
