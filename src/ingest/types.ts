// Shared shapes of the load pipeline: reader → header mapping → row normaliser → COPY/merge.
// Readers know formats, not fields; the mapper knows fields, not formats; the loader knows SQL.

export type TableKind = "expenses" | "vehicles";

/** A raw cell as a reader produces it. XLSX can give numbers, booleans and dates; CSV gives strings. */
export type RawCell = string | number | boolean | Date | null;

export interface RawRow {
  /** The row number a person sees in Excel / a text editor (header row = its own number). */
  rowNumber: number;
  cells: RawCell[];
  /** CSV: the physical line where the record starts, when a quoted cell spans several lines. */
  line?: number;
  /** Set by a reader when the row cannot be used as is (e.g. a JSON element that is not an
   *  object); the normaliser rejects such a row with this reason. */
  error?: string;
}

/** One table found in a source: a CSV file, one XLSX sheet, or one array of a JSON document. */
export interface RawTable {
  /** File name, `file.xlsx#Sheet`, or `file.json#expenses`. */
  name: string;
  /** What the reader detected: format, encoding, delimiter, sheet, header row. */
  detected: Record<string, string | number>;
  /** Hint from the file/sheet/key name when the columns alone are ambiguous. */
  kindHint: TableKind | null;
  headers: string[];
  rows: AsyncIterable<RawRow>;
  /** The same rows in batches (CSV): the loader's inner loop then runs without an await per row.
   *  Like `rows`, each iteration re-reads the source. */
  batches?: AsyncIterable<RawRow[]>;
  /** Bytes of the file read so far by the current pass over `rows` (CSV: for a progress ETA). */
  bytesRead?: () => number;
}

/** A problem that refuses a whole source (bad encoding, no recognisable columns, …). */
export class SourceError extends Error {
  constructor(
    message: string,
    /** Stable code for tests and reports, e.g. `empty_file`, `duplicate_target`. */
    readonly code: string,
  ) {
    super(message);
    this.name = "SourceError";
  }
}

/** What the row normaliser returns for one source row. */
export type NormalisedRow =
  | {
      ok: true;
      record: Record<string, unknown>;
      /** The record's values in the normaliser's `recordFields` order (read by index when both are given). */
      values?: readonly unknown[];
      extra: Record<string, string> | null;
      negativeMoney?: boolean;
    }
  | { ok: false; reason: string; raw: Record<string, string> };

/** What a row normaliser counts while it runs (src/ingest/normalise.ts keeps more). */
export interface RowStats {
  /** Distinct values of the source's own `client` column (ignored for loading, reported). */
  clientValues: string[];
  /** The range of accepted expense dates (ISO), null when none. */
  dateMin: string | null;
  dateMax: string | null;
}

/** A table ready to load: its rows, what it is, and how each row becomes canonical. */
export interface PreparedTable {
  table: RawTable;
  kind: TableKind;
  /** Row → canonical record; its `stats` (kept by the normaliser) feed the load report. */
  normalise: ((row: RawRow) => NormalisedRow) & { readonly stats?: RowStats; readonly recordFields?: readonly string[] };
  /** The header mapping and other facts for the load report. */
  report: Record<string, unknown>;
}
