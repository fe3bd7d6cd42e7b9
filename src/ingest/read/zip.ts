// Minimal ZIP inspection for zip-bomb defence, before SheetJS sees a workbook: read the central
// directory (ZIP64 aware), refuse when the declared uncompressed total is over the limit, then
// inflate each part with a hard output cap so that a lying directory cannot get past either,
// counting worksheet cells (`<c …>` elements) on the way.

import { inflateRawSync } from "node:zlib";
import { SourceError } from "../types.js";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;
const SIG_CDIR = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

const u64 = (b: Buffer, o: number): number => Number(b.readBigUInt64LE(o));

function damaged(name: string, what: string): SourceError {
  return new SourceError(`${name} is not a readable XLSX workbook: ${what} (the file is truncated or damaged; save it again from Excel)`, "bad_xlsx");
}

/** The central directory of a ZIP held in memory. Throws SourceError `bad_xlsx` when damaged. */
export function listZip(buf: Buffer, name = "the file"): ZipEntry[] {
  if (buf.length < 22) throw damaged(name, "too short for a ZIP archive");
  const from = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw damaged(name, "the ZIP central directory is missing");
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== SIG_EOCD64_LOC) throw damaged(name, "a ZIP64 directory locator is missing");
    const e64 = u64(buf, loc + 8);
    if (e64 + 56 > buf.length || buf.readUInt32LE(e64) !== SIG_EOCD64) throw damaged(name, "the ZIP64 directory is missing");
    count = u64(buf, e64 + 32);
    cdSize = u64(buf, e64 + 40);
    cdOffset = u64(buf, e64 + 48);
  }
  if (cdOffset + cdSize > buf.length) throw damaged(name, "the ZIP directory points beyond the end of the file");
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== SIG_CDIR) throw damaged(name, `ZIP directory entry ${k + 1} is corrupt`);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localHeaderOffset = buf.readUInt32LE(p + 42);
    const entryName = buf.toString("utf8", p + 46, p + 46 + nameLen);
    // ZIP64 extended sizes
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (uncompressedSize === 0xffffffff && q + 8 <= x + 4 + len) (uncompressedSize = u64(buf, q)), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= x + 4 + len) (compressedSize = u64(buf, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff && q + 8 <= x + 4 + len) localHeaderOffset = u64(buf, q);
      }
      x += 4 + len;
    }
    entries.push({ name: entryName, method, compressedSize, uncompressedSize, localHeaderOffset });
    p = xEnd + commentLen;
  }
  return entries;
}

export interface ZipCheck {
  entries: ZipEntry[];
  uncompressedBytes: number;
  cells: number;
}

/** Count `<c ` / `<c>` / `<c/>` occurrences (worksheet cells) in XML bytes. */
function countCells(xml: Buffer): number {
  let n = 0;
  for (let i = xml.indexOf("<c"); i !== -1; i = xml.indexOf("<c", i + 2)) {
    const next = xml[i + 2];
    if (next === 0x20 || next === 0x3e || next === 0x2f || next === 0x09 || next === 0x0a || next === 0x0d) n++;
  }
  return n;
}

/**
 * Check an XLSX (OOXML zip) against size and cell limits. Throws SourceError:
 * `xlsx_bomb` (over the limits, declared or actual), `bad_xlsx` (damaged), `not_xlsx` (a zip that
 * is not a workbook).
 */
export function checkXlsxZip(buf: Buffer, limits: { maxXlsxUncompressedBytes: number; maxXlsxCells: number }, name = "the file"): ZipCheck {
  const entries = listZip(buf, name);
  const names = new Set(entries.map((e) => e.name));
  if (!names.has("xl/workbook.xml") && !names.has("xl/workbook.bin")) {
    const hint = names.has("word/document.xml") ? " (it is a Word document)" : names.has("content.xml") ? " (it is an OpenDocument file; save as .xlsx)" : "";
    throw new SourceError(`${name} is a ZIP archive but not an Excel workbook${hint}`, "not_xlsx");
  }
  const declared = entries.reduce((s, e) => s + e.uncompressedSize, 0);
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  if (declared > limits.maxXlsxUncompressedBytes) {
    throw new SourceError(
      `${name} unpacks to ${mb(declared)} (${buf.length} bytes on disk), over the ${mb(limits.maxXlsxUncompressedBytes)} limit — refused as a possible zip bomb; split the workbook or export CSV`,
      "xlsx_bomb",
    );
  }
  let total = 0;
  let cells = 0;
  for (const e of entries) {
    const lh = e.localHeaderOffset;
    if (lh + 30 > buf.length || buf.readUInt32LE(lh) !== SIG_LOCAL) throw damaged(name, `part ${e.name} is missing`);
    const start = lh + 30 + buf.readUInt16LE(lh + 26) + buf.readUInt16LE(lh + 28);
    const end = start + e.compressedSize;
    if (end > buf.length) throw damaged(name, `part ${e.name} is cut off`);
    const budget = Math.min(e.uncompressedSize, limits.maxXlsxUncompressedBytes - total);
    let data: Buffer;
    if (e.method === 0) {
      data = buf.subarray(start, end);
    } else if (e.method === 8) {
      try {
        data = inflateRawSync(buf.subarray(start, end), { maxOutputLength: Math.max(1, budget + 1) });
      } catch (err) {
        if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
          throw new SourceError(`${name}: part ${e.name} unpacks to more than it declares or than the ${mb(limits.maxXlsxUncompressedBytes)} limit — refused as a possible zip bomb`, "xlsx_bomb");
        }
        throw damaged(name, `part ${e.name} cannot be decompressed`);
      }
    } else {
      throw damaged(name, `part ${e.name} uses unsupported compression method ${e.method}`);
    }
    if (data.length > budget) {
      throw new SourceError(`${name}: part ${e.name} unpacks to more than it declares — refused as a possible zip bomb`, "xlsx_bomb");
    }
    total += data.length;
    if (/^xl\/worksheets\/[^/]+\.xml$/.test(e.name)) {
      cells += countCells(data);
      if (cells > limits.maxXlsxCells) {
        throw new SourceError(`${name} has more than ${limits.maxXlsxCells} cells — over the limit; split the workbook or export CSV`, "xlsx_bomb");
      }
    }
  }
  return { entries, uncompressedBytes: total, cells };
}
