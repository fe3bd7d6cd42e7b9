// JSON reader: an array of records; an object whose array values are tables
// (`{"expenses": [...], "transport"|"vehicles": [...]}`); or NDJSON (one record per line). An
// array whose first element is an array of strings is a header row + rows.
//
// JSON is read whole (bounded by maxJsonBytes; CSV is the bulk format). Nesting depth is checked
// by a scan before JSON.parse. JSON.parse (no reviver) defines every key, `__proto__` included, as
// an own data property; keys are then only read with Object.keys into arrays and Maps, never
// assigned onto objects, so `__proto__`/`constructor` are plain column names.
// Row numbers: the record's position (1 = first record) in an array; the line number in NDJSON.

import { readFile, stat } from "node:fs/promises";
import { TextDecoder } from "node:util";
import { SourceError, type RawCell, type RawRow, type RawTable } from "../types.js";
import { displayNameOf, hintFor, limitsOf, type ReadOptions } from "./common.js";

/** Maximum nesting depth of JSON text (strings skipped); returns the depth and where it was reached. */
export function jsonDepth(text: string, stopAbove = Infinity): { depth: number; line: number } {
  let depth = 0;
  let max = 0;
  let line = 1;
  let maxLine = 1;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) line++;
    if (inStr) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34) inStr = false;
      continue;
    }
    if (ch === 34) inStr = true;
    else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        maxLine = line;
        if (max > stopAbove) break;
      }
    } else if (ch === 125 || ch === 93) depth--;
  }
  return { depth: max, line: maxLine };
}

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`);

function toCell(v: unknown): RawCell {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

interface Source {
  /** records with their row numbers */
  items: { rowNumber: number; value: unknown }[];
}

function tableOf(name: string, src: Source, hintNames: string[], detected: Record<string, string | number>): RawTable {
  const items = src.items;
  // array of arrays with a header row
  const first = items[0]?.value;
  if (Array.isArray(first) && first.length && first.every((h) => typeof h === "string")) {
    const headers = (first as string[]).map((h) => h.trim());
    const rest = items.slice(1);
    return {
      name,
      detected: { ...detected, shape: "array of arrays" },
      kindHint: hintFor(...hintNames),
      headers,
      rows: {
        async *[Symbol.asyncIterator]() {
          for (const it of rest) {
            if (!Array.isArray(it.value)) {
              yield { rowNumber: it.rowNumber, cells: [], error: `record ${it.rowNumber} is ${typeName(it.value)}, not an array like the header row` };
              continue;
            }
            yield { rowNumber: it.rowNumber, cells: (it.value as unknown[]).map(toCell) };
          }
        },
      },
    };
  }
  // union of keys, in first-seen order
  const keyIndex = new Map<string, number>();
  for (const it of items) {
    const v = it.value;
    if (v && typeof v === "object" && !Array.isArray(v)) for (const k of Object.keys(v)) if (!keyIndex.has(k)) keyIndex.set(k, keyIndex.size);
  }
  const headers = [...keyIndex.keys()];
  return {
    name,
    detected,
    kindHint: hintFor(...hintNames),
    headers,
    rows: {
      async *[Symbol.asyncIterator](): AsyncGenerator<RawRow> {
        for (const it of items) {
          const v = it.value;
          if (!v || typeof v !== "object" || Array.isArray(v)) {
            yield { rowNumber: it.rowNumber, cells: [], error: `record ${it.rowNumber} is ${typeName(v)}, not an object with named fields` };
            continue;
          }
          const cells = new Array<RawCell>(headers.length).fill(null);
          const rec = v as Record<string, unknown>;
          for (const k of Object.keys(rec)) cells[keyIndex.get(k)!] = toCell(Object.getOwnPropertyDescriptor(rec, k)!.value);
          yield { rowNumber: it.rowNumber, cells };
        }
      },
    },
  };
}

const isTableArray = (v: unknown): v is unknown[] =>
  Array.isArray(v) && (v.length === 0 || v.some((x) => x !== null && typeof x === "object"));

/**
 * Read a JSON / NDJSON file. Throws SourceError: `empty_file`, `no_rows`, `too_large`,
 * `bad_encoding`, `bad_json` (syntax, with line), `too_deep`, `bad_json_shape`.
 */
export async function readJson(path: string, opts: ReadOptions = {}): Promise<RawTable[]> {
  const limits = limitsOf(opts);
  const name = displayNameOf(path, opts);
  const size = (await stat(path)).size;
  if (size === 0) throw new SourceError(`${name} is empty (0 bytes)`, "empty_file");
  if (size > limits.maxJsonBytes) {
    throw new SourceError(`${name} is ${Math.round(size / 1048576)} MB, over the ${Math.round(limits.maxJsonBytes / 1048576)} MB limit for JSON; use NDJSON split into parts, or CSV`, "too_large");
  }
  const buf = await readFile(path);
  if (buf.includes(0)) throw new SourceError(`${name} contains NUL bytes: not a JSON text file (UTF-16 JSON is not supported; save as UTF-8)`, "binary");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf); // strips a BOM
  } catch {
    throw new SourceError(`${name} is not valid UTF-8 (JSON must be UTF-8)`, "bad_encoding");
  }
  const trimmed = text.trim();
  if (!trimmed) throw new SourceError(`${name} is empty (only whitespace)`, "empty_file");
  const { depth, line } = jsonDepth(text, limits.maxJsonDepth);
  if (depth > limits.maxJsonDepth) {
    throw new SourceError(`${name} is nested deeper than ${limits.maxJsonDepth} levels (near line ${line}); expected an array of flat records`, "too_deep");
  }
  const c0 = trimmed[0];
  if (c0 !== "[" && c0 !== "{") {
    throw new SourceError(
      `${name} is not a JSON array or object (it starts with ${JSON.stringify(trimmed.slice(0, 20))}); expected [ {...}, ... ], {"expenses": [...], "vehicles": [...]} or one JSON object per line`,
      "bad_json_shape",
    );
  }
  let doc: unknown;
  let ndjson: { rowNumber: number; value: unknown }[] | null = null;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // NDJSON: several values, one per line
    if (c0 === "{") {
      const lines = text.split(/\r?\n/);
      const items: { rowNumber: number; value: unknown }[] = [];
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i].trim();
        if (!l) continue;
        try {
          items.push({ rowNumber: i + 1, value: JSON.parse(l) });
        } catch (le) {
          if (items.length === 0) throw syntaxError(name, text, e);
          throw new SourceError(`${name}: line ${i + 1} is not valid JSON (${(le as Error).message})`, "bad_json");
        }
      }
      if (items.length > 1) ndjson = items;
      else throw syntaxError(name, text, e);
    } else {
      throw syntaxError(name, text, e);
    }
  }
  if (ndjson) {
    const t = tableOf(name, { items: ndjson }, [name], { format: "ndjson" });
    if (t.headers.length === 0) throw new SourceError(`${name}: the NDJSON lines are not objects with named fields`, "bad_json_shape");
    return [t];
  }
  if (Array.isArray(doc)) {
    if (doc.length === 0) throw new SourceError(`${name} is an empty JSON array: no rows`, "no_rows");
    const t = tableOf(name, { items: doc.map((value, i) => ({ rowNumber: i + 1, value })) }, [name], { format: "json" });
    if (t.headers.length === 0) throw new SourceError(`${name}: the array holds ${typeName(doc[0])} values, not records with named fields`, "bad_json_shape");
    return [t];
  }
  const obj = doc as Record<string, unknown>;
  const tables: RawTable[] = [];
  let empty = 0;
  for (const key of Object.keys(obj)) {
    const v = Object.getOwnPropertyDescriptor(obj, key)!.value;
    if (!isTableArray(v)) continue;
    if (v.length === 0) {
      empty++;
      continue;
    }
    tables.push(tableOf(`${name}#${key}`, { items: v.map((value, i) => ({ rowNumber: i + 1, value })) }, [key, name], { format: "json", key }));
  }
  if (tables.length === 0) {
    if (empty) throw new SourceError(`${name}: every array in the document is empty: no rows`, "no_rows");
    const keys = Object.keys(obj).slice(0, 10).map((k) => JSON.stringify(k)).join(", ");
    throw new SourceError(
      `${name} is a JSON object without arrays of records (keys: ${keys || "none"}); expected {"expenses": [...], "vehicles": [...]} or an array of records`,
      "bad_json_shape",
    );
  }
  return tables;
}

function syntaxError(name: string, text: string, e: unknown): SourceError {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = msg.match(/position (\d+)/);
  let where = "";
  if (pos) {
    const p = Number(pos[1]);
    const line = text.slice(0, p).split("\n").length;
    where = ` at line ${line}`;
  }
  return new SourceError(`${name} is not valid JSON${where}: ${msg.slice(0, 160)}`, "bad_json");
}
