// PostgreSQL client databases through porsager `postgres`: one connection (max: 1), a
// REPEATABLE READ, READ ONLY transaction with a local statement timeout, a server-side cursor per
// table (DECLARE … CURSOR, FETCH 1000 per round trip: constant memory). Dates and timestamps arrive as the server's
// text (no time zone shifts); numeric and bigint as strings; json as text.
import postgres from "postgres";
import type { RawRow } from "../ingest/types.js";
import type { SourceSettings } from "./config.js";
import { describeDriverError, parseTableName, toCell, type RowFilter, type SourceColumn, type SourceReader, type TableRef } from "./reader.js";
import { makeScrubber, type SourceUrl } from "./url.js";

const DATE_OIDS = new Set([1082, 1114, 1184]);

/** A column name as a quoted identifier (porsager's sql(name) would split a name containing a dot). */
function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export class PostgresReader implements SourceReader {
  readonly format = "postgresql" as const;
  readonly name: string;
  private sql: postgres.Sql | null = null;
  private readonly scrub: (s: string) => string;
  private cursorSeq = 0;

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

  private get db(): postgres.Sql {
    if (!this.sql) throw new Error(`${this.name}: reader used before begin()`);
    return this.sql;
  }

  async begin(): Promise<void> {
    const text = (x: string) => x;
    this.sql = postgres(this.src.url, {
      max: 1,
      connect_timeout: Math.max(1, Math.ceil(this.settings.connectTimeoutMs / 1000)),
      idle_timeout: 0,
      max_lifetime: null,
      prepare: false, // no prepared statements left behind (and PgBouncer-friendly)
      fetch_types: false,
      onnotice: () => {},
      // date, timestamp, timestamptz as the server prints them: the reader never shifts a date.
      types: { fleetsightDateText: { to: 1082, from: [1082, 1114, 1184], serialize: text, parse: text } },
      connection: { application_name: "fleetsight-source" },
    });
    try {
      await this.db.unsafe("start transaction isolation level repeatable read, read only");
      await this.db`select set_config('statement_timeout', ${String(this.settings.statementTimeoutMs)}, true),
                           set_config('lock_timeout', ${String(this.settings.statementTimeoutMs)}, true),
                           set_config('idle_in_transaction_session_timeout', ${String(Math.max(300_000, this.settings.statementTimeoutMs))}, true)`;
    } catch (e) {
      throw this.fail(e);
    }
  }

  async readOnly(): Promise<boolean> {
    try {
      const [r] = await this.db<{ ro: string }[]>`select current_setting('transaction_read_only') as ro`;
      return r.ro === "on";
    } catch (e) {
      throw this.fail(e);
    }
  }

  async isFleetsightDatabase(): Promise<boolean> {
    try {
      const [r] = await this.db<{ f: boolean }[]>`
        select to_regclass('fleet.clients') is not null and to_regnamespace('graphile_worker') is not null as f`;
      return r.f;
    } catch (e) {
      throw this.fail(e);
    }
  }

  async resolveTable(configured: string): Promise<TableRef | null> {
    const { schema, table } = parseTableName(configured, "source");
    try {
      // Parameterised lookup; unqualified names follow the source user's search_path. An exact
      // spelling wins over a case-insensitive match (unquoted identifiers fold to lower case).
      const rows = await this.db<{ table_schema: string; table_name: string }[]>`
        select t.table_schema::text, t.table_name::text
        from information_schema.tables t
        where lower(t.table_name) = lower(${table})
          and case when ${schema}::text is null then t.table_schema = any (current_schemas(false))
                   else lower(t.table_schema) = lower(${schema}::text) end
        order by (t.table_name = ${table}) desc,
                 (t.table_schema = coalesce(${schema}::text, t.table_schema)) desc,
                 array_position(current_schemas(false), t.table_schema::name) nulls last
        limit 1`;
      return rows.length ? { configured, schema: rows[0].table_schema, table: rows[0].table_name } : null;
    } catch (e) {
      throw this.fail(e);
    }
  }

  private from(t: TableRef): string {
    return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
  }

  async columns(t: TableRef): Promise<SourceColumn[]> {
    try {
      const res = await this.db.unsafe(`select * from ${this.from(t)} limit 0`);
      return res.columns.map((c) => ({ name: c.name, isDate: DATE_OIDS.has(c.type), type: String(c.type) }));
    } catch (e) {
      throw this.fail(e);
    }
  }

  async *rows(t: TableRef, filter: RowFilter | null): AsyncIterable<RawRow> {
    const query = filter
      ? `select * from ${this.from(t)} where ${quoteIdent(filter.column)} >= $1::date`
      : `select * from ${this.from(t)}`;
    // DECLARE … CURSOR + FETCH n: each FETCH is its own statement, so statement_timeout bounds every
    // round trip (a stuck or very slow query is cancelled) but not the whole stream — with a
    // protocol-level cursor (porsager's .cursor()) the timeout would also count the time the
    // loader spends writing rows into the central database, and cut long full reads.
    const cursor = `fleetsight_${++this.cursorSeq}`;
    let n = 0;
    try {
      await this.db.unsafe(`declare ${cursor} no scroll cursor for ${query}`, filter ? [filter.from] : []);
      for (;;) {
        const batch = (await this.db.unsafe(`fetch ${this.settings.fetchRows} from ${cursor}`).values()) as unknown as unknown[][];
        for (const cells of batch) yield { rowNumber: ++n, cells: cells.map(toCell) };
        if (batch.length < this.settings.fetchRows) break;
      }
    } catch (e) {
      throw this.fail(e);
    } finally {
      if (this.sql) await this.sql.unsafe(`close ${cursor}`).catch(() => {});
    }
  }

  async unsafeQueryForTest(text: string): Promise<unknown> {
    return this.db.unsafe(text);
  }

  async close(): Promise<void> {
    const s = this.sql;
    this.sql = null;
    if (!s) return;
    await s.unsafe("rollback").catch(() => {});
    await s.end({ timeout: 2 }).catch(() => {});
  }
}
