// MySQL / MariaDB client databases through mysql2: one connection, `START TRANSACTION WITH
// CONSISTENT SNAPSHOT, READ ONLY`, a session statement timeout (MySQL MAX_EXECUTION_TIME in ms,
// MariaDB max_statement_time in seconds), and a streamed query per table (rows are pulled as the
// loader consumes them: constant memory). Dates as strings (dateStrings), DECIMAL and BIGINT as
// strings, JSON as text.
import mysql from "mysql2";
import type { RawRow } from "../ingest/types.js";
import type { SourceSettings } from "./config.js";
import { describeDriverError, parseTableName, toCell, type RowFilter, type SourceColumn, type SourceReader, type TableRef } from "./reader.js";
import { makeScrubber, type SourceUrl } from "./url.js";

type Conn = ReturnType<typeof mysql.createConnection>;

/** DATE, DATETIME, TIMESTAMP, NEWDATE */
const DATE_TYPES = new Set([10, 12, 7, 14]);

export class MysqlReader implements SourceReader {
  readonly format = "mysql" as const;
  readonly name: string;
  private conn: Conn | null = null;
  private readonly scrub: (s: string) => string;

  constructor(
    private readonly src: SourceUrl,
    private readonly settings: SourceSettings,
  ) {
    this.name = src.display;
    this.scrub = makeScrubber(src.url, src.password);
  }

  private fail(e: unknown): Error {
    return describeDriverError(e, this.name, this.scrub, this.settings);
  }

  private query<T = unknown>(sql: string, values: unknown[] = []): Promise<{ rows: T; fields: mysql.FieldPacket[] }> {
    const c = this.conn;
    if (!c) return Promise.reject(new Error(`${this.name}: reader used before begin()`));
    return new Promise((resolve, reject) => {
      c.query(sql, values, (err, rows, fields) => (err ? reject(err) : resolve({ rows: rows as T, fields: (fields ?? []) as mysql.FieldPacket[] })));
    });
  }

  async begin(): Promise<void> {
    const p = this.src.params;
    const ssl = p.get("ssl") ?? p.get("sslmode");
    this.conn = mysql.createConnection({
      host: this.src.host,
      port: this.src.port,
      user: this.src.user || undefined,
      password: this.src.password || undefined,
      database: this.src.database,
      connectTimeout: this.settings.connectTimeoutMs,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
      charset: "utf8mb4",
      ...(ssl && !/^(false|0|disable|disabled)$/i.test(ssl) ? { ssl: { rejectUnauthorized: !/^(require|required|prefer|preferred)$/i.test(ssl) } } : {}),
    });
    // Errors also arrive as events (e.g. the server closing an idle connection): never crash on them.
    this.conn.on("error", () => {});
    try {
      const { rows } = await this.query<{ v: string }[]>("select version() as v");
      const mariadb = /mariadb/i.test(rows[0]?.v ?? "");
      const ms = this.settings.statementTimeoutMs;
      if (mariadb) await this.query(`set session max_statement_time = ${(ms / 1000).toFixed(3)}`);
      else await this.query(`set session max_execution_time = ${ms}`);
      await this.query("set session transaction isolation level repeatable read");
      await this.query("start transaction with consistent snapshot, read only");
      this.started = true;
    } catch (e) {
      throw this.fail(e);
    }
  }

  private started = false;

  async readOnly(): Promise<boolean> {
    // MySQL/MariaDB expose no per-transaction read-only flag; the transaction was started READ ONLY
    // (a write inside it fails with ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, as the tests check).
    return this.started;
  }

  async isFleetsightDatabase(): Promise<boolean> {
    return false; // fleetsight's own data lives in PostgreSQL only
  }

  async resolveTable(configured: string): Promise<TableRef | null> {
    const { schema, table } = parseTableName(configured, "source");
    try {
      const { rows } = await this.query<{ s: string; t: string }[]>(
        `select table_schema as s, table_name as t from information_schema.tables
         where lower(table_name) = lower(?) and table_schema = coalesce(?, database())
         order by (table_name = ?) desc limit 1`,
        [table, schema, table],
      );
      return rows.length ? { configured, schema: rows[0].s, table: rows[0].t } : null;
    } catch (e) {
      throw this.fail(e);
    }
  }

  private from(t: TableRef): string {
    return `${mysql.escapeId(t.schema, true)}.${mysql.escapeId(t.table, true)}`;
  }

  async columns(t: TableRef): Promise<SourceColumn[]> {
    try {
      const { fields } = await this.query(`select * from ${this.from(t)} limit 0`);
      return fields.map((f) => {
        const type = Number((f as { columnType?: number }).columnType ?? f.type);
        return { name: f.name, isDate: DATE_TYPES.has(type), type: String(type) };
      });
    } catch (e) {
      throw this.fail(e);
    }
  }

  async *rows(t: TableRef, filter: RowFilter | null): AsyncIterable<RawRow> {
    const c = this.conn;
    if (!c) throw new Error(`${this.name}: reader used before begin()`);
    const sql = filter ? `select * from ${this.from(t)} where ${mysql.escapeId(filter.column, true)} >= ?` : `select * from ${this.from(t)}`;
    let n = 0;
    try {
      const stream = c.query({ sql, values: filter ? [filter.from] : [], rowsAsArray: true }).stream({ highWaterMark: this.settings.fetchRows });
      for await (const cells of stream as AsyncIterable<unknown[]>) yield { rowNumber: ++n, cells: cells.map(toCell) };
    } catch (e) {
      throw this.fail(e);
    }
  }

  async unsafeQueryForTest(text: string): Promise<unknown> {
    return (await this.query(text)).rows;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    if (!c) return;
    if (!this.started) {
      // Never connected (or failed while starting): nothing to roll back.
      c.destroy();
      return;
    }
    this.started = false;
    await new Promise<void>((resolve) => c.query("rollback", () => resolve()));
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.destroy();
        resolve();
      }, 2000);
      c.end(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
