// readSource: one entry point for files. Checks the path (a regular file; inside `root` after
// resolving symlinks and `..`, when a root is given), then dispatches by extension and content:
// a file whose content contradicts its extension (an .xlsx named .csv, text named .xlsx, …) is
// refused with a message saying what it really is.

import { open, lstat, realpath, stat } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { SourceError, type RawTable } from "../types.js";
import { readCsv } from "./csv.js";
import { readXlsx } from "./xlsx.js";
import { readJson } from "./json.js";
import { displayNameOf, type ReadOptions } from "./common.js";

export { readCsv } from "./csv.js";
export { readXlsx } from "./xlsx.js";
export { readJson } from "./json.js";
export { DEFAULT_LIMITS, findHeaderRow, type ReadLimits, type ReadOptions } from "./common.js";

export interface ReadSourceOptions extends ReadOptions {
  /** When set (the inbox), the file must resolve — symlinks and `..` followed — to a path inside it. */
  root?: string;
}

export type SourceFormat = "csv" | "xlsx" | "json";

async function head(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Refuse paths outside `root` and anything that is not a regular file. Returns the real path. */
export async function checkPath(path: string, root?: string): Promise<string> {
  const name = displayNameOf(path);
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    throw new SourceError(`${name}: cannot open (${(e as NodeJS.ErrnoException).code ?? "error"})`, "not_found");
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new SourceError(`${name} is a broken symbolic link`, "not_found");
  }
  if (root !== undefined) {
    const realRoot = await realpath(resolve(root));
    const rel = relative(realRoot, real);
    if (rel === "" || rel.startsWith(".." + sep) || rel === ".." || isAbsolute(rel)) {
      throw new SourceError(`${name} resolves outside the inbox${st.isSymbolicLink() ? " (symbolic link)" : ""}; refused`, "path_outside_root");
    }
  }
  const target = st.isSymbolicLink() ? await stat(real) : st;
  if (!target.isFile()) throw new SourceError(`${name} is not a regular file`, "not_a_file");
  return real;
}

/** What a file is by its first bytes (null: text of some kind). */
export function sniffFormat(b: Buffer): "zip" | "ole" | "json" | "text" | null {
  if (b.length >= 4 && b.readUInt32LE(0) === 0x04034b50) return "zip";
  if (b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0) return "ole";
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] === 0x5b /* [ */ || b[i] === 0x7b /* { */) return "json";
  return "text";
}

/** Which reader a file goes to; throws `format_mismatch` when content and extension disagree. */
export function chooseFormat(path: string, first: Buffer): SourceFormat {
  const ext = extname(path).toLowerCase();
  const name = displayNameOf(path);
  const sniffed = sniffFormat(first);
  if (ext === ".xlsx" || ext === ".xlsm" || ext === ".xls") return "xlsx"; // readXlsx explains non-workbooks
  if (ext === ".csv" || ext === ".txt" || ext === ".tsv") {
    if (sniffed === "zip" || sniffed === "ole") {
      throw new SourceError(`${name} is not a CSV text file: it is ${sniffed === "zip" ? "a ZIP archive (an Excel .xlsx workbook?) — rename it to .xlsx" : "an old Excel .xls workbook — save it as .xlsx or CSV"}`, "format_mismatch");
    }
    return "csv";
  }
  if (ext === ".json" || ext === ".ndjson" || ext === ".jsonl") {
    if (sniffed === "zip" || sniffed === "ole") throw new SourceError(`${name} is not JSON: it is a ${sniffed === "zip" ? "ZIP archive (.xlsx?)" : "binary Excel file"}`, "format_mismatch");
    return "json";
  }
  if (sniffed === "zip" || sniffed === "ole") return "xlsx";
  if (sniffed === "json") return "json";
  return "csv";
}

/**
 * Read a source file into tables (one per CSV, per XLSX sheet, per JSON array). Throws
 * SourceError with a stable `code` for everything that refuses the file as a whole.
 */
export async function readSource(path: string, opts: ReadSourceOptions = {}): Promise<RawTable[]> {
  const real = await checkPath(path, opts.root);
  const o: ReadOptions = { ...opts, displayName: opts.displayName ?? displayNameOf(path) };
  const first = await head(real, 16);
  if (first.length === 0) throw new SourceError(`${o.displayName} is empty (0 bytes)`, "empty_file");
  switch (chooseFormat(path, first)) {
    case "xlsx":
      return readXlsx(real, {}, o);
    case "json":
      return readJson(real, o);
    case "csv":
      return [await readCsv(real, o)];
  }
}
