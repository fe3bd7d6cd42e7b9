// XLSX reader (SheetJS): zip-bomb checks first (zip.ts), then every sheet as its own table with
// its header row found below any title block. Cells keep their type: numbers, booleans, text, and
// Dates for date-formatted cells (UTC fields = what Excel shows; SheetJS handles the 1904 system).
// Formulas are never evaluated: a formula cell gives its cached value (none → empty); a text cell
// that looks like a formula (`=HYPERLINK(...)`) stays text. Empty rows are skipped (row numbers are
// Excel's), trailing empty rows/columns and formatting-only ranges are ignored. Hidden rows and
// columns that hold data are kept (a filtered-out row is still data); hidden sheets are read too
// and flagged in `detected.hidden`.

import { readFile, stat } from "node:fs/promises";
import * as XLSX from "xlsx";
import { SourceError, type RawCell, type RawRow, type RawTable } from "../types.js";
import { isKnownHeader as defaultIsKnown } from "../headers.js";
import { displayNameOf, findHeaderRow, headerStrings, hintFor, isEmptyRow, limitsOf, type ReadLimits, type ReadOptions } from "./common.js";
import { checkXlsxZip } from "./zip.js";
import { binaryKind } from "./csv.js";

const ERRORS: Record<number, string> = {
  0x00: "#NULL!", 0x07: "#DIV/0!", 0x0f: "#VALUE!", 0x17: "#REF!", 0x1d: "#NAME?", 0x24: "#NUM!", 0x2a: "#N/A", 0x2b: "#GETTING_DATA",
};

function cellValue(c: XLSX.CellObject | undefined): RawCell {
  if (!c) return null;
  switch (c.t) {
    case "s":
      return c.v === undefined || c.v === null ? null : String(c.v);
    case "n":
      return typeof c.v === "number" && Number.isFinite(c.v) ? c.v : null;
    case "b":
      return Boolean(c.v);
    case "d":
      return c.v instanceof Date ? c.v : typeof c.v === "string" ? new Date(c.v) : null;
    case "e":
      return typeof c.v === "number" ? ERRORS[c.v] ?? "#ERROR" : "#ERROR";
    default:
      return null; // "z" stubs
  }
}

export type XlsxLimits = Pick<ReadLimits, "maxXlsxFileBytes" | "maxXlsxUncompressedBytes" | "maxXlsxCells" | "headerScanRows">;

/**
 * Read every non-empty sheet of a workbook. Throws SourceError: `not_xlsx`, `bad_xlsx`,
 * `xlsx_bomb`, `encrypted`, `empty_file` (no cells at all), `no_rows` (headers but no data).
 * `limits` may also be given as `opts.limits`.
 */
export async function readXlsx(path: string, limits: Partial<XlsxLimits> = {}, opts: ReadOptions = {}): Promise<RawTable[]> {
  const lim = limitsOf({ ...opts, limits: { ...(opts.limits ?? {}), ...limits } });
  const name = displayNameOf(path, opts);
  const size = (await stat(path)).size;
  if (size === 0) throw new SourceError(`${name} is empty (0 bytes)`, "empty_file");
  if (size > lim.maxXlsxFileBytes) {
    throw new SourceError(`${name} is ${Math.round(size / 1048576)} MB, over the ${Math.round(lim.maxXlsxFileBytes / 1048576)} MB limit for workbooks; export CSV instead`, "too_large");
  }
  const buf = await readFile(path);
  const isZip = buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50;
  const isOle = buf.length >= 8 && buf.readUInt32BE(0) === 0xd0cf11e0;
  let format = "xlsx";
  if (isZip) {
    checkXlsxZip(buf, lim, name);
  } else if (isOle) {
    format = "xls"; // Excel 97-2003 or an encrypted OOXML container; no compression, size bounded above
  } else {
    const kind = binaryKind(buf);
    const looksText = !buf.subarray(0, 4096).includes(0);
    throw new SourceError(
      `${name} is not an Excel workbook` + (kind ? ` (it is ${kind})` : looksText ? " (it looks like a text/CSV file; rename it to .csv)" : " (unrecognised binary content)"),
      "not_xlsx",
    );
  }
  let wb: XLSX.WorkBook;
  try {
    wb = XLSX.read(buf, {
      type: "buffer",
      dense: true,
      cellDates: true,
      UTC: true,
      cellFormula: false,
      cellHTML: false,
      cellText: false,
      cellStyles: false,
      sheetStubs: false,
      bookVBA: false,
      WTF: false,
    } as XLSX.ParsingOptions);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/password|encrypt/i.test(msg)) throw new SourceError(`${name} is password-protected; remove the password and upload again`, "encrypted");
    throw new SourceError(`${name} is not a readable workbook: ${msg.slice(0, 200)}`, "bad_xlsx");
  }
  if (isOle) {
    let cells = 0;
    for (const s of wb.SheetNames) for (const r of (wb.Sheets[s]["!data"] ?? []) as (XLSX.CellObject[] | undefined)[]) cells += r ? r.length : 0;
    if (cells > lim.maxXlsxCells) throw new SourceError(`${name} has more than ${lim.maxXlsxCells} cells — over the limit`, "xlsx_bomb");
  }

  const isKnown = opts.isKnownHeader ?? defaultIsKnown;
  const tables: RawTable[] = [];
  const candidates: { recognised: boolean; table: RawTable }[] = [];
  let sawContent = false;
  const sheetProps = wb.Workbook?.Sheets ?? [];
  wb.SheetNames.forEach((sheet, si) => {
    const ws = wb.Sheets[sheet];
    const data = (ws?.["!data"] ?? []) as (XLSX.CellObject[] | undefined)[];
    // real extent: last non-empty row / column
    let lastRow = -1;
    let lastCol = -1;
    for (let r = 0; r < data.length; r++) {
      const row = data[r];
      if (!row) continue;
      for (let c = row.length - 1; c >= 0; c--) {
        const v = cellValue(row[c]);
        if (v !== null && !(typeof v === "string" && v.trim() === "")) {
          lastRow = r;
          if (c > lastCol) lastCol = c;
          break;
        }
      }
    }
    if (lastRow === -1) return; // empty sheet
    sawContent = true;
    const width = lastCol + 1;
    const rowAt = (r: number): RawCell[] => {
      const row = data[r];
      const out = new Array<RawCell>(width);
      for (let c = 0; c < width; c++) out[c] = row ? cellValue(row[c]) : null;
      return out;
    };
    const scan: RawCell[][] = [];
    for (let r = 0; r <= Math.min(lastRow, lim.headerScanRows - 1); r++) scan.push(rowAt(r));
    const h = findHeaderRow(scan, isKnown, lim.headerScanRows);
    if (h === -1) return;
    const recognised = scan[h].filter((c) => typeof c === "string" && c.trim() !== "" && isKnown(c)).length >= 2;
    let dataRows = 0;
    for (let r = h + 1; r <= lastRow; r++) if (!isEmptyRow(rowAt(r))) {
      dataRows++;
      break;
    }
    if (dataRows === 0) return; // header only
    const headers = headerStrings(scan[h]);
    const rows: AsyncIterable<RawRow> = {
      async *[Symbol.asyncIterator]() {
        for (let r = h + 1; r <= lastRow; r++) {
          const cells = rowAt(r);
          if (isEmptyRow(cells)) continue;
          yield { rowNumber: r + 1, cells };
        }
      },
    };
    const hidden = sheetProps[si]?.Hidden ?? 0;
    const detected: Record<string, string | number> = { format, sheet, headerRow: h + 1, sheets: wb.SheetNames.length };
    if (hidden) detected.hidden = hidden;
    candidates.push({ recognised, table: { name: `${name}#${sheet}`, detected, kindHint: hintFor(sheet, name), headers, rows } });
  });
  // Sheets without a recognisable header row (notes, charts' data, pivot tables) are skipped when
  // another sheet has one — the workbook is loaded by its table sheets; the skipped ones are named
  // in `detected.skippedSheets`. If no sheet is recognisable, all are returned and the header
  // mapping explains what it saw.
  const anyRecognised = candidates.some((c) => c.recognised);
  const skipped = anyRecognised ? candidates.filter((c) => !c.recognised).map((c) => String(c.table.detected.sheet)) : [];
  for (const c of candidates) {
    if (anyRecognised && !c.recognised) continue;
    if (skipped.length) c.table.detected.skippedSheets = skipped.join(", ");
    tables.push(c.table);
  }
  if (tables.length === 0) {
    if (!sawContent) throw new SourceError(`${name} has no data: every sheet is empty`, "empty_file");
    throw new SourceError(`${name} has headers but no data rows on any sheet`, "no_rows");
  }
  return tables;
}
