// Shared pieces of the readers: limits, header-row detection, kind hints, display names.

import { basename } from "node:path";
import type { RawCell, TableKind } from "../types.js";
import { kindHintFromName } from "../headers.js";

export interface ReadLimits {
  /** Bytes sniffed at the start of a file for encoding/delimiter/format detection. */
  sniffBytes: number;
  /** CSV: a record (all its cells, incl. quoted newlines) longer than this refuses the file
   *  (`line_too_long`) — the parser cannot resynchronise; it is almost always an unclosed quote. */
  maxRecordChars: number;
  /** Rows scanned for the header row below a title block. */
  headerScanRows: number;
  /** XLSX: refuse files larger than this on disk. */
  maxXlsxFileBytes: number;
  /** XLSX: refuse workbooks whose parts inflate to more than this (zip bombs). */
  maxXlsxUncompressedBytes: number;
  /** XLSX: refuse workbooks with more cells than this. */
  maxXlsxCells: number;
  /** JSON: refuse documents larger than this (JSON is read whole; CSV is the bulk format). */
  maxJsonBytes: number;
  /** JSON: maximum nesting depth (a record inside an array inside an object is depth 3). */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: ReadLimits = {
  sniffBytes: 64 * 1024,
  maxRecordChars: 1024 * 1024,
  headerScanRows: 30,
  maxXlsxFileBytes: 100 * 1024 * 1024,
  maxXlsxUncompressedBytes: 200 * 1024 * 1024,
  maxXlsxCells: 5_000_000,
  maxJsonBytes: 100 * 1024 * 1024,
  maxJsonDepth: 32,
};

export interface ReadOptions {
  limits?: Partial<ReadLimits>;
  /** Recognises a header cell (synonym lookup); used to find the header row below title blocks.
   *  Defaults to the reference synonyms + fields. */
  isKnownHeader?: (h: string) => boolean;
  /** Name shown in reports (default: the file's base name). */
  displayName?: string;
}

export function limitsOf(opts: ReadOptions | undefined): ReadLimits {
  return { ...DEFAULT_LIMITS, ...(opts?.limits ?? {}) };
}

/** A file name safe to show: base name only, control characters removed. */
export function displayNameOf(path: string, opts?: ReadOptions): string {
  // eslint-disable-next-line no-control-regex
  return (opts?.displayName ?? basename(path)).replace(/[\u0000-\u001f\u007f]/g, "?");
}

export function hintFor(...names: string[]): TableKind | null {
  for (const n of names) {
    const h = kindHintFromName(n);
    if (h) return h;
  }
  return null;
}

const isText = (c: RawCell): c is string => typeof c === "string" && c.trim() !== "";
// A text cell that is really a value (number / date), not a header-like label.
const valueLike = /^[\s\d.,:/()+\-−₽%]*$/;

/**
 * The header row among the first `scan` rows: the first row with ≥ 2 cells recognised as known
 * headers; otherwise (`most_text`, for workbooks with title blocks) the first row with the most
 * non-empty text cells (numbers and dates do not count), or (`first`, for CSV) the first non-empty
 * row. Returns -1 when every scanned row is empty.
 */
export function findHeaderRow(
  rows: RawCell[][],
  isKnown: ((h: string) => boolean) | undefined,
  scan = 30,
  fallback: "most_text" | "first" = "most_text",
): number {
  const n = Math.min(rows.length, scan);
  if (isKnown) {
    for (let i = 0; i < n; i++) {
      let known = 0;
      for (const c of rows[i]) if (isText(c) && isKnown(c)) known++;
      if (known >= 2) return i;
    }
  }
  if (fallback === "first") {
    for (let i = 0; i < n; i++) if (!isEmptyRow(rows[i])) return i;
    return -1;
  }
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (const c of rows[i]) if (isText(c) && !valueLike.test(c)) count++;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  }
  if (best === -1) {
    // no text anywhere: the first non-empty row
    for (let i = 0; i < n; i++) if (rows[i].some((c) => c !== null && c !== "")) return i;
  }
  return best;
}

export const isEmptyRow = (cells: RawCell[]): boolean => {
  for (const c of cells) {
    if (c === null || c === undefined) continue;
    if (typeof c === "string" && c.trim() === "") continue;
    return false;
  }
  return true;
};

/** Header cells as strings (numbers/dates in a header row become text). */
export function headerStrings(cells: RawCell[]): string[] {
  return cells.map((c) => (c === null || c === undefined ? "" : c instanceof Date ? c.toISOString().slice(0, 10) : String(c).trim()));
}
