// The CSV tokenizer's fast path: records without a quote character are split on the delimiter
// directly (one string decode per chunk, `String.split` per record) instead of going through
// csv-parse's byte-by-byte state machine and its per-field Buffer→string conversion, which was
// the largest single cost of a load.
//
// It produces exactly what csv-parse produces with the reader's options (relax_quotes,
// relax_column_count, no trimming, record delimiter discovered from the first line): until the
// first record containing a `"` (or one too long to be sure it is within max_record_size), records
// are split here; from that record on, the rest of the stream goes to csv-parse, with the record
// delimiter already discovered passed explicitly. A file with quotes from its first line is
// parsed by csv-parse alone, as before. test/ingest.read.test.ts compares both on random input.

import { Readable } from "node:stream";
import { parse, type Options } from "csv-parse";

/** Records per batch. */
const BATCH = 256;

/** Records in batches (at most BATCH records), for a synchronous inner loop in the caller. */
export async function* csvRecordBatches(
  source: AsyncIterable<Buffer>,
  delimiter: string,
  parseOptions: Options,
  maxRecordChars: number,
): AsyncGenerator<string[][]> {
  const it = source[Symbol.asyncIterator]();
  // The delimiter is one character that cannot be confused with a quote or a line break.
  const fastOk = delimiter.length === 1 && delimiter !== '"' && delimiter !== "\r" && delimiter !== "\n";
  // A record is split here only when csv-parse would surely accept its length (a UTF-16 unit is
  // at most 3 UTF-8 bytes; csv-parse counts characters of the fields, never more than bytes).
  const maxFast = Math.floor(maxRecordChars / 3);
  let rd: string | null = null; // the record delimiter, once the first line break is seen
  let carry = ""; // the incomplete record at the end of the previous chunk
  let handoff: Buffer | null = fastOk ? null : Buffer.alloc(0);
  let done = false;
  while (handoff === null) {
    const r = await it.next();
    let text: string;
    if (r.done) {
      done = true;
      text = carry;
    } else {
      text = carry + (r.value as Buffer).toString("utf8");
    }
    carry = "";
    const quote = text.indexOf('"');
    let batch: string[][] = [];
    let pos = 0;
    if (rd === null) {
      // csv-parse discovers the record delimiter at the first \r or \n outside quotes: \r\n, \n or \r.
      let i = 0;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || c === 13) break;
      }
      if (quote !== -1 && quote < i) {
        handoff = Buffer.from(text, "utf8");
        break;
      }
      if (i === text.length) {
        // no line break yet: one (first) record so far
        if (done) {
          if (text.length > maxFast) handoff = Buffer.from(text, "utf8");
          else if (text.length) yield [text.split(delimiter)];
          return;
        }
        if (text.length > maxFast) {
          handoff = Buffer.from(text, "utf8");
          break;
        }
        carry = text;
        continue;
      }
      if (text.charCodeAt(i) === 10) rd = "\n";
      else if (i + 1 < text.length) rd = text.charCodeAt(i + 1) === 10 ? "\r\n" : "\r";
      else if (done) rd = "\r";
      else {
        carry = text; // a \r at the end of the chunk: \r\n or \r decides with the next chunk
        continue;
      }
    }
    const rdLen = rd.length;
    for (;;) {
      const end = text.indexOf(rd, pos);
      if (end === -1) break;
      if ((quote !== -1 && quote < end && quote >= pos) || end - pos > maxFast) {
        handoff = Buffer.from(text.slice(pos), "utf8");
        break;
      }
      batch.push(text.slice(pos, end).split(delimiter));
      pos = end + rdLen;
      if (batch.length === BATCH) {
        // small batches: what is alive between two awaits stays small
        yield batch;
        batch = [];
      }
    }
    if (handoff === null) {
      const rest = text.length - pos;
      if (rest > 0) {
        if ((quote !== -1 && quote >= pos) || rest > maxFast) {
          handoff = Buffer.from(text.slice(pos), "utf8");
        } else if (done) {
          batch.push(text.slice(pos).split(delimiter)); // the last record, without a line break
        } else {
          carry = text.slice(pos);
        }
      }
    }
    if (batch.length) yield batch;
    if (done) return;
  }
  // csv-parse for the rest of the stream, from the start of the record that needs it.
  const first = handoff;
  const rest = Readable.from(
    (async function* () {
      if (first.length) yield first;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value as Buffer;
      }
    })(),
    { objectMode: false },
  );
  const parser = parse({ ...parseOptions, ...(rd !== null ? { record_delimiter: rd } : {}) });
  rest.on("error", (e) => parser.destroy(e));
  rest.pipe(parser);
  try {
    let batch: string[][] = [];
    for await (const cells of parser as AsyncIterable<string[]>) {
      batch.push(cells);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    rest.destroy();
    parser.destroy();
  }
}
