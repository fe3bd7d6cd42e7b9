// CSV reader: sniffs encoding (UTF-8 with/without BOM, else Windows-1251) and delimiter
// (`,` `;` tab, or an Excel `sep=` line), finds the header row, then streams records through
// csv-parse with constant memory. `rows` can be iterated more than once (each pass re-reads).
//
// Row numbers are what Excel shows when it opens the file: one per physical record (a quoted
// cell spanning several lines is still one row; blank lines count), header = its own number.
// RawRow.line additionally gives the text line where a multi-line record starts.
//
// Limits: a record longer than maxRecordChars (1 MiB) refuses the file (`line_too_long`): after
// such a record the parser cannot know where the next one starts, and the cause is almost always
// an unclosed quote or a file that is not CSV. A long cell within that is per-row business of the
// normaliser (maxCellChars → the row is rejected, the file goes on).

import { open, stat } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { isAscii, isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";
import type { CsvError } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import iconv from "iconv-lite";
import { SourceError, type RawRow, type RawTable } from "../types.js";
import { isKnownHeader as defaultIsKnown } from "../headers.js";
import { csvRecordBatches } from "./csvFast.js";
import { displayNameOf, findHeaderRow, headerStrings, hintFor, isEmptyRow, limitsOf, type ReadOptions } from "./common.js";

export type CsvEncoding = "utf-8" | "windows-1251";

export interface Sniffed {
  encoding: CsvEncoding;
  bom: boolean;
  /** Whether the sample contained any non-ASCII byte (else the encoding is still open). */
  nonAscii: boolean;
}

/** Recognise binary formats by magic bytes, for clear messages. */
export function binaryKind(b: Buffer): string | null {
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5 || b[2] === 7)) return "a ZIP archive (an .xlsx workbook?)";
  if (b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0 && b.readUInt32BE(4) === 0xa1b11ae1) return "an old Excel .xls workbook or a password-protected file (OLE2)";
  if (b.length >= 4 && b.toString("latin1", 0, 4) === "%PDF") return "a PDF document";
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return "a gzip-compressed file";
  if (b.length >= 4 && b.toString("latin1", 0, 4) === "Rar!") return "a RAR archive";
  if (b.length >= 6 && b[0] === 0x37 && b[1] === 0x7a && b[2] === 0xbc && b[3] === 0xaf) return "a 7-Zip archive";
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return "a PNG image";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "a JPEG image";
  return null;
}

/**
 * DOS (cp866) or KOI8-R text, which would decode as Windows-1251 without an error but as nonsense.
 * The sample is decoded each way and scored by how often the commonest Russian letters
 * (о е а и н т с р в л, any case) appear; another encoding wins only by a wide margin and on
 * enough letters, so all-capitals Windows-1251 text still reads as Windows-1251.
 */
export function otherCyrillicEncoding(sample: Buffer): string | null {
  const score = (text: string): number => {
    let n = 0;
    for (const ch of text.toLowerCase()) if ("оеаинтсрвл".includes(ch)) n++;
    return n;
  };
  const base = score(iconv.decode(sample, "win1251"));
  for (const [enc, label] of [["cp866", "DOS cp866"], ["koi8-r", "KOI8-R"]] as const) {
    const other = score(iconv.decode(sample, enc));
    if (other >= 40 && other > base * 1.5) return label;
  }
  return null;
}

/**
 * Decide the encoding from the first bytes of a file. Throws SourceError for UTF-16/UTF-32
 * (`unsupported_encoding`), NUL bytes / control characters (`binary`), known binary formats
 * (`format_mismatch`).
 */
export function sniffEncoding(sample: Buffer, whole: boolean, name = "the file"): Sniffed {
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff) || (sample[0] === 0 && sample[1] === 0 && sample[2] === 0xfe && sample[3] === 0xff)) {
    throw new SourceError(`${name} is UTF-16/UTF-32 text (Excel "Unicode text"); save it as "CSV UTF-8" or "CSV (разделители — запятые)" and upload again`, "unsupported_encoding");
  }
  const kind = binaryKind(sample);
  if (kind) throw new SourceError(`${name} is ${kind}, not a CSV text file`, "format_mismatch");
  const nul = sample.indexOf(0);
  if (nul !== -1) {
    // UTF-16 without BOM: NULs at every other position
    let even = 0, odd = 0;
    const n = Math.min(sample.length, 4096);
    for (let i = 0; i < n; i++) if (sample[i] === 0) (i % 2 ? odd++ : even++);
    if (Math.max(even, odd) > n / 2 * 0.3) {
      throw new SourceError(`${name} looks like UTF-16 text (NUL bytes between letters); save it as "CSV UTF-8" and upload again`, "unsupported_encoding");
    }
    throw new SourceError(`${name} contains NUL bytes (first at byte ${nul}): it is a binary file, not CSV text`, "binary");
  }
  let ctl = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample[i];
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) ctl++;
  }
  if (ctl > Math.max(8, sample.length * 0.01)) {
    throw new SourceError(`${name} contains ${ctl} control characters in its first ${sample.length} bytes: it is a binary file, not CSV text`, "binary");
  }
  const bom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
  const nonAscii = !isAscii(sample);
  if (!nonAscii) return { encoding: "utf-8", bom, nonAscii };
  // a sample cut in the middle of a UTF-8 sequence: drop up to 3 trailing bytes
  let end = sample.length;
  if (!whole) {
    let k = end - 1;
    while (k >= 0 && end - k <= 4 && (sample[k] & 0xc0) === 0x80) k--;
    if (k >= 0 && sample[k] >= 0xc0) {
      const need = sample[k] >= 0xf0 ? 4 : sample[k] >= 0xe0 ? 3 : 2;
      if (end - k < need) end = k;
    }
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(sample.subarray(0, end));
    return { encoding: "utf-8", bom, nonAscii };
  } catch {
    if (bom) throw new SourceError(`${name} starts with a UTF-8 byte-order mark but is not valid UTF-8`, "bad_encoding");
    const other = otherCyrillicEncoding(sample);
    if (other) {
      throw new SourceError(`${name} is neither UTF-8 nor Windows-1251 (it looks like ${other}); save it as "CSV UTF-8" and upload again`, "unsupported_encoding");
    }
    return { encoding: "windows-1251", bom: false, nonAscii };
  }
}

/** Length of `b` without a trailing incomplete UTF-8 sequence (0–3 bytes cut). */
function completeUtf8Length(b: Buffer): number {
  const end = b.length;
  let k = end - 1;
  while (k >= 0 && end - k < 4 && (b[k] & 0xc0) === 0x80) k--;
  if (k < 0) return end;
  const lead = b[k];
  if (lead < 0xc0) return end; // ASCII or a stray continuation byte: validation will judge
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return end - k < need ? k : end;
}

/**
 * Validates/decodes bytes for csv-parse. UTF-8 is checked strictly (node:buffer isUtf8) and passed
 * through as bytes — csv-parse decodes fields itself, which is much faster than a string detour;
 * an invalid sequence after non-ASCII UTF-8 was seen is a `bad_encoding` error; while everything
 * so far was ASCII, it switches to Windows-1251 (the two agree on ASCII). Windows-1251 is decoded
 * with iconv-lite (single-byte, so chunk boundaries are safe). NUL bytes anywhere refuse the file.
 * A UTF-8 BOM and `skipBytes` (an Excel `sep=` line, ASCII) are dropped.
 */
class Decoder extends Transform {
  private utf8: boolean;
  private seenNonAscii: boolean;
  private offset = 0;
  private carry: Buffer | null = null;
  private first = true;
  constructor(
    enc: CsvEncoding,
    nonAscii: boolean,
    private skipBytes: number,
    private readonly name: string,
  ) {
    super();
    this.utf8 = enc === "utf-8";
    this.seenNonAscii = nonAscii;
  }
  private out(b: Buffer | string): void {
    let buf = typeof b === "string" ? Buffer.from(b, "utf8") : b;
    if (this.first && buf.length) {
      this.first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (this.skipBytes > 0) {
      const k = Math.min(this.skipBytes, buf.length);
      buf = buf.subarray(k);
      this.skipBytes -= k;
    }
    if (buf.length) this.push(buf);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const nul = chunk.indexOf(0);
    if (nul !== -1) return cb(new SourceError(`${this.name} contains NUL bytes (first at byte ${this.offset + nul}): it is a binary file, not CSV text`, "binary"));
    const at = this.offset;
    this.offset += chunk.length;
    if (!this.utf8) {
      this.out(iconv.decode(chunk, "win1251"));
      return cb();
    }
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeUtf8Length(buf);
    const body = cut === buf.length ? buf : buf.subarray(0, cut);
    if (!isUtf8(body)) {
      if (this.seenNonAscii) {
        return cb(new SourceError(`${this.name}: invalid UTF-8 near byte ${at} after valid UTF-8 text — mixed encodings; save the file again as "CSV UTF-8"`, "bad_encoding"));
      }
      this.utf8 = false; // everything so far was ASCII: the file is Windows-1251
      this.carry = null;
      this.out(iconv.decode(buf, "win1251"));
      return cb();
    }
    if (!this.seenNonAscii && !isAscii(body)) this.seenNonAscii = true;
    this.carry = cut === buf.length ? null : Buffer.from(buf.subarray(cut));
    this.out(body);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    if (this.carry) {
      if (this.seenNonAscii) return cb(new SourceError(`${this.name} ends in the middle of a UTF-8 character`, "bad_encoding"));
      this.out(iconv.decode(this.carry, "win1251"));
    }
    cb();
  }
}

const CANDIDATES = ["\t", ";", ","] as const;

/**
 * Pick the delimiter from sample text: for each candidate, count occurrences outside quotes in
 * each of the first records; the winner has the most records sharing its most common non-zero
 * count (ties → tab, then `;`, then `,` — commas also appear in Russian decimal numbers).
 */
export function detectDelimiter(text: string, complete: boolean, maxRecords = 50): string {
  const counts: number[][] = [];
  let cur = [0, 0, 0];
  let inQ = false;
  let nonEmpty = false;
  for (let i = 0; i < text.length && counts.length < maxRecords; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      inQ = !inQ;
      nonEmpty = true;
    } else if (!inQ && (ch === 10 || ch === 13)) {
      if (nonEmpty) counts.push(cur);
      cur = [0, 0, 0];
      nonEmpty = false;
    } else if (!inQ) {
      if (ch === 9) cur[0]++;
      else if (ch === 59) cur[1]++;
      else if (ch === 44) cur[2]++;
      if (ch !== 32) nonEmpty = true;
    }
  }
  if (complete && nonEmpty && counts.length < maxRecords) counts.push(cur);
  if (counts.length === 0 && nonEmpty) counts.push(cur); // one long partial record
  let best = ",";
  let bestScore = 0;
  CANDIDATES.forEach((d, k) => {
    const freq = new Map<number, number>();
    for (const c of counts) if (c[k] > 0) freq.set(c[k], (freq.get(c[k]) ?? 0) + 1);
    let score = 0;
    for (const f of freq.values()) if (f > score) score = f;
    // strictly greater: on a tie the earlier candidate (tab, then ";") wins
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  });
  return best;
}

/** The line where the last (unterminated) record of `text` starts, quote-aware. */
function recordStartLineAtEnd(text: string): number {
  let inQ = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) inQ = !inQ;
    else if (ch === 10) {
      line++;
      if (!inQ) start = line;
    }
  }
  return start;
}

/** Offset just after the n-th complete record of `text` (or the last complete one, if fewer), quote-aware; -1 if none. */
function endOfRecords(text: string, n: number): number {
  let inQ = false;
  let seen = 0;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) inQ = !inQ;
    else if (ch === 10 && !inQ) {
      last = i + 1;
      if (++seen === n) return last;
    }
  }
  return last;
}

function csvErrorToSource(e: unknown, name: string, lastLine: number, maxRecordChars: number): SourceError {
  if (e instanceof SourceError) return e;
  const err = e as CsvError & { lines?: number };
  switch (err?.code as string | undefined) {
    case "CSV_QUOTE_NOT_CLOSED":
      return new SourceError(`${name}: a quote opened on line ${lastLine + 1} is never closed (unbalanced quotes); check that line`, "unbalanced_quotes");
    case "CSV_MAX_RECORD_SIZE":
      return new SourceError(
        `${name}: line ${lastLine + 1} starts a record longer than ${maxRecordChars} characters — probably a quote opened there and never closed, or not a CSV file`,
        "line_too_long",
      );
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_INVALID_OPENING_QUOTE":
      return new SourceError(`${name}: misplaced quote in the record starting on line ${lastLine + 1} (${err.message})`, "unbalanced_quotes");
    default:
      return new SourceError(`${name}: cannot parse as CSV in the record starting on line ${lastLine + 1}: ${err?.message ?? String(e)}`, "bad_csv");
  }
}

/** Line breaks inside a record's cells (CRLF, LF or a lone CR each count one). */
function countNewlines(cells: string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.indexOf("\n") === -1 && c.indexOf("\r") === -1) continue;
    for (let i = 0; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      if (ch === 10) n++;
      else if (ch === 13 && c.charCodeAt(i + 1) !== 10) n++;
    }
  }
  return n;
}

/**
 * Where a record goes wrong, by a quote-aware scan of the text (only after a parse error):
 * the line where the last record starts (an unclosed quote runs to the end of the file) and the
 * first line starting a record longer than `maxChars`. Quotes open only at a field start, as in
 * csv-parse with relax_quotes.
 */
async function locateProblem(
  path: string,
  enc: CsvEncoding,
  skipBytes: number,
  delimiter: string,
  maxChars: number,
): Promise<{ lastRecordLine: number; longRecordLine: number | null }> {
  const d = delimiter.charCodeAt(0);
  let line = skipBytes > 0 ? 2 : 1;
  let recStart = line;
  let recLen = 0;
  let inQ = false;
  let fieldStart = true;
  let longLine: number | null = null;
  let pendingQuote = false;
  const stream = createReadStream(path).pipe(new Decoder(enc, enc === "windows-1251", skipBytes, "scan"));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = chunk.toString("utf8");
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      recLen++;
      if (pendingQuote) {
        pendingQuote = false;
        if (ch === 34) continue; // "" inside quotes
        inQ = false;
      }
      if (inQ) {
        if (ch === 34) pendingQuote = true;
        else if (ch === 10) line++;
        if (longLine === null && recLen > maxChars) longLine = recStart;
        continue;
      }
      if (ch === 34 && fieldStart) {
        inQ = true;
        fieldStart = false;
      } else if (ch === 10) {
        line++;
        recStart = line;
        recLen = 0;
        fieldStart = true;
      } else if (ch === d) {
        fieldStart = true;
      } else if (ch !== 13) {
        fieldStart = false;
      }
      if (longLine === null && recLen > maxChars) longLine = recStart;
    }
  }
  return { lastRecordLine: recStart, longRecordLine: longLine };
}

/** Read a CSV file: sniff, find the header, and return a table whose rows stream from disk. */
export async function readCsv(path: string, opts: ReadOptions = {}): Promise<RawTable> {
  const limits = limitsOf(opts);
  const name = displayNameOf(path, opts);
  const size = (await stat(path)).size;
  if (size === 0) throw new SourceError(`${name} is empty (0 bytes)`, "empty_file");
  const fh = await open(path, "r");
  let sample: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(limits.sniffBytes, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    sample = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const whole = sample.length >= size;
  const sn = sniffEncoding(sample, whole, name);
  let text = sn.encoding === "utf-8" ? new TextDecoder("utf-8").decode(sample) : iconv.decode(sample, "win1251");
  if (!whole && sn.encoding === "utf-8") text = text.replace(/\uFFFD+$/, "");
  if (text.trim() === "") {
    if (whole) throw new SourceError(`${name} is empty (no text)`, "empty_file");
  }
  // Excel's "sep=;" first line
  let delimiter: string;
  let skipChars = 0;
  const sep = text.match(/^sep=(.)\r?\n/i);
  if (sep) {
    delimiter = sep[1];
    skipChars = sep[0].length;
    text = text.slice(skipChars);
  } else {
    delimiter = detectDelimiter(text, whole);
  }
  // header: parse the complete records of the sample
  const scanEnd = whole ? text.length : endOfRecords(text, limits.headerScanRows + 1);
  let head: string[][];
  try {
    head = parseSync(scanEnd === -1 ? "" : text.slice(0, scanEnd), {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: limits.maxRecordChars,
    }) as string[][];
  } catch (e) {
    const code = (e as CsvError).code as string | undefined;
    const before =
      code === "CSV_QUOTE_NOT_CLOSED"
        ? recordStartLineAtEnd(text.slice(0, scanEnd === -1 ? text.length : scanEnd)) - 1
        : Math.max(0, ((e as CsvError & { lines?: number }).lines ?? 1) - 1);
    throw csvErrorToSource(e, name, before + (skipChars ? 1 : 0), limits.maxRecordChars);
  }
  if (scanEnd === -1 && !whole) {
    // not one complete record in the sample
    throw new SourceError(
      `${name}: the record starting on line ${recordStartLineAtEnd(text) + (skipChars ? 1 : 0)} runs past the first ${sample.length} bytes — an unclosed quote, or not a CSV table`,
      "line_too_long",
    );
  }
  const isKnown = opts.isKnownHeader ?? defaultIsKnown;
  // a title block above the header is recognised by known headers; otherwise the first line is the header
  const headerIdx = findHeaderRow(head, isKnown, limits.headerScanRows, "first");
  if (headerIdx === -1) throw new SourceError(`${name} is empty (only blank lines)`, "empty_file");
  const headers = headerStrings(head[headerIdx]);
  const hasData = head.slice(headerIdx + 1).some((r) => !isEmptyRow(r));
  if (!hasData && whole) {
    throw new SourceError(`${name} has a header row (${headers.filter(Boolean).slice(0, 8).join(", ")}) but no data rows`, "no_rows");
  }
  const headerRecord = headerIdx + 1;
  const encodingLabel = sn.encoding === "utf-8" ? (sn.bom ? "utf-8-bom" : sn.nonAscii ? "utf-8" : "ascii/utf-8") : "windows-1251";

  const rows: AsyncIterable<RawRow> = {
    [Symbol.asyncIterator]: () => streamRows(),
  };
  let current: { bytesRead: number } | null = null;
  async function* streamRows(): AsyncGenerator<RawRow> {
    for await (const batch of streamBatches()) for (const row of batch) yield row;
  }
  async function* streamBatches(): AsyncGenerator<RawRow[]> {
    const file = createReadStream(path, { highWaterMark: 256 * 1024 });
    current = file;
    const decoder = new Decoder(sn.encoding, sn.nonAscii, skipChars, name);
    file.on("error", (e) => decoder.destroy(e));
    file.pipe(decoder);
    // No `info`/`on_record` for csv-parse: it builds an info object per record for those, which
    // costs more than the parsing. Records are counted here (blank lines are records too).
    const options = {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: limits.maxRecordChars,
    };
    let records = 0;
    let lastLine = skipChars > 0 ? 1 : 0; // text-editor lines (a CRLF inside quotes is one line)
    try {
      // Quote-free records are split by the fast tokenizer, the rest by csv-parse (csvFast.ts).
      for await (const records_ of csvRecordBatches(decoder as AsyncIterable<Buffer>, delimiter, options, limits.maxRecordChars)) {
        const out: RawRow[] = [];
        for (const cells of records_) {
          const rowNumber = ++records;
          const line = lastLine + 1;
          lastLine = line + countNewlines(cells);
          if (rowNumber <= headerRecord) continue;
          if (isEmptyRow(cells)) continue;
          const row: RawRow = { rowNumber, cells };
          if (line !== rowNumber) row.line = line;
          out.push(row);
        }
        if (out.length) yield out;
      }
    } catch (e) {
      const code = (e as CsvError)?.code as string | undefined;
      if (code === "CSV_QUOTE_NOT_CLOSED" || code === "CSV_MAX_RECORD_SIZE" || code === "CSV_INVALID_CLOSING_QUOTE") {
        // buffered records are dropped on error: find the line by scanning the text again
        const at = await locateProblem(path, sn.encoding, skipChars, delimiter, limits.maxRecordChars).catch(() => null);
        if (at) throw csvErrorToSource(e, name, (code === "CSV_MAX_RECORD_SIZE" ? at.longRecordLine ?? at.lastRecordLine : at.lastRecordLine) - 1, limits.maxRecordChars);
      }
      throw csvErrorToSource(e, name, lastLine, limits.maxRecordChars);
    } finally {
      file.destroy();
      decoder.destroy();
    }
  }

  return {
    name,
    detected: {
      format: "csv",
      encoding: encodingLabel,
      delimiter: delimiter === "\t" ? "tab" : delimiter,
      headerRow: headerRecord,
      bytes: size,
    },
    kindHint: hintFor(name),
    headers,
    rows,
    batches: { [Symbol.asyncIterator]: () => streamBatches() },
    bytesRead: () => current?.bytesRead ?? 0,
  };
}
