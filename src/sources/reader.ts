// What a client database reader offers the loader. One reader = one connection = one READ ONLY
// transaction (a consistent snapshot across the source's tables), opened by begin() and ended by
// close(). Table names come from fleet.clients and are untrusted: they are validated, looked up in
// information_schema with parameters, and only then quoted by the driver.
import { SourceError, type RawCell, type RawRow } from "../ingest/types.js";

export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

export interface TableRef {
  /** The name as configured in fleet.clients. */
  configured: string;
  /** Schema (PostgreSQL) or database (MySQL) and table, as the catalog spells them. */
  schema: string;
  table: string;
}

export interface SourceColumn {
  name: string;
  /** A date/timestamp column: safe to filter with `>= date`. */
  isDate: boolean;
  /** Driver type (oid or MySQL type code), for the report. */
  type: string;
}

export interface RowFilter {
  column: string;
  /** ISO date: rows dated on or after it. */
  from: string;
}

export interface SourceReader {
  readonly format: "postgresql" | "mysql";
  /** pg:host/db — never the password. */
  readonly name: string;
  /** Connect, start the READ ONLY transaction, set the statement timeout. */
  begin(): Promise<void>;
  /** Whether the open transaction is read only (as the server reports it; MySQL: as started). */
  readOnly(): Promise<boolean>;
  /** Whether the source is a fleetsight central database (fleet.clients + graphile_worker): a
   *  client pointing source_url at ours must never read other clients' data. */
  isFleetsightDatabase(): Promise<boolean>;
  /** null when the table does not exist (or is not visible to the source user). */
  resolveTable(configured: string): Promise<TableRef | null>;
  /** The table's columns in `select *` order (a `limit 0` query). */
  columns(t: TableRef): Promise<SourceColumn[]>;
  /** Stream the rows (cells in `columns()` order), optionally only those dated from filter.from. */
  rows(t: TableRef, filter: RowFilter | null): AsyncIterable<RawRow>;
  /** End the transaction (rollback: nothing was written) and the connection. Never throws. */
  close(): Promise<void>;
  /** Tests only: run a statement inside the reader's transaction (to prove it is read only). */
  unsafeQueryForTest(text: string): Promise<unknown>;
}

/** Validate a configured table name (`table` or `schema.table`). */
export function parseTableName(configured: string, role: string): { schema: string | null; table: string } {
  if (typeof configured !== "string" || !TABLE_NAME.test(configured)) {
    throw new SourceError(
      `${role} table name ${JSON.stringify(String(configured).slice(0, 80))} is not a plain table name (letters, digits, _; optionally schema.table; at most 63 characters each)`,
      "bad_table_name",
    );
  }
  const dot = configured.indexOf(".");
  return dot < 0 ? { schema: null, table: configured } : { schema: configured.slice(0, dot), table: configured.slice(dot + 1) };
}

/** A driver value as a RawCell: Date/strings/numbers/booleans as they are; anything else as text. */
export function toCell(v: unknown): RawCell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "bigint":
      return v.toString();
    default:
      if (v instanceof Date) return v;
      if (Buffer.isBuffer(v)) return v.toString("utf8");
      try {
        return JSON.stringify(v);
      } catch {
        return String(v);
      }
  }
}

/** A failure talking to the client database: fails the load (retried), unlike a SourceError (refused). */
export class SourceReadError extends Error {
  constructor(message: string, readonly code: string | null) {
    super(message);
    this.name = "SourceReadError";
  }
}

const MAX_REASON = 300;

/**
 * A short, credential-free reason for a driver error: `cannot connect (connection refused): …`,
 * `a query exceeded the statement timeout (60000 ms; …)`. The driver's own message is scrubbed of the
 * password (plain and URL-encoded) and of URL credentials before it is kept.
 */
export function describeDriverError(e: unknown, name: string, scrub: (s: string) => string, ctx: { statementTimeoutMs: number; connectTimeoutMs: number }): Error {
  if (e instanceof SourceReadError) return e;
  if (e instanceof SourceError) return new SourceError(scrub(e.message), e.code);
  const err = (e ?? {}) as { message?: unknown; code?: unknown; errno?: unknown };
  // MariaDB's max_statement_time error (1969) has no name in mysql2's table.
  const code = err.code !== undefined && err.code !== null ? String(err.code) : err.errno === 1969 ? "ER_STATEMENT_TIMEOUT" : null;
  // MySQL's "(using password: YES)" says nothing secret but reads like a leak once redacted.
  const raw = String(err.message ?? e).replace(/\(using password: (YES|NO)\)/i, (_m, yn: string) => (yn.toUpperCase() === "YES" ? "(with a password)" : "(without a password)"));
  const driverMsg = scrub(raw).replace(/\s+/g, " ").trim();
  let lead: string | null = null;
  switch (code) {
    case "ECONNREFUSED":
      lead = "cannot connect (connection refused)";
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      lead = "cannot connect (host not found)";
      break;
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      lead = `cannot connect (no answer within ${ctx.connectTimeoutMs} ms)`;
      break;
    case "ECONNRESET":
    case "CONNECTION_CLOSED":
    case "CONNECTION_ENDED":
    case "CONNECTION_DESTROYED":
    case "PROTOCOL_CONNECTION_LOST":
      lead = "the connection was closed";
      break;
    case "28P01":
    case "28000":
    case "ER_ACCESS_DENIED_ERROR":
    case "ER_DBACCESS_DENIED_ERROR":
      lead = "authentication failed";
      break;
    case "3D000":
    case "ER_BAD_DB_ERROR":
      lead = "no such database";
      break;
    case "57014":
    case "ER_STATEMENT_TIMEOUT":
    case "ER_QUERY_TIMEOUT":
      lead = `a query exceeded the statement timeout (${ctx.statementTimeoutMs} ms; FLEETSIGHT_SOURCE_STATEMENT_TIMEOUT_MS)`;
      break;
  }
  let msg = lead ? `${lead}: ${driverMsg}` : driverMsg;
  if (code && !msg.includes(code)) msg += ` [${code}]`;
  if (msg.length > MAX_REASON) msg = msg.slice(0, MAX_REASON) + "…";
  // The source's name is recorded with the load (fleet.loads.source_name); the reason stands alone.
  void name;
  return new SourceReadError(msg, code);
}
