// fleet.source_state: the latest date loaded per client and source table (sql/schema_sources.sql).
import type { Sql } from "../db/connection.js";

export interface SourceStateRow {
  source_table: string;
  source_name: string;
  last_loaded_date: string;
}

export async function readSourceState(sql: Sql, clientId: string): Promise<Map<string, SourceStateRow>> {
  const rows = await sql<SourceStateRow[]>`
    select source_table, source_name, to_char(last_loaded_date, 'YYYY-MM-DD') as last_loaded_date
    from fleet.source_state where client_id = ${clientId}`;
  return new Map(rows.map((r) => [r.source_table, { ...r }]));
}

/** Remember the latest date loaded from a table. An incremental run never moves it back; a full
 *  run (or a different source) sets it to what was read. */
export async function saveSourceState(sql: Sql, clientId: string, sourceTable: string, sourceName: string, lastDate: string, full: boolean): Promise<void> {
  await sql`
    insert into fleet.source_state as s (client_id, source_table, source_name, last_loaded_date)
    values (${clientId}, ${sourceTable}, ${sourceName}, ${lastDate}::date)
    on conflict (client_id, source_table) do update set
      last_loaded_date = case when ${full}::boolean or s.source_name <> excluded.source_name then excluded.last_loaded_date
                              else greatest(s.last_loaded_date, excluded.last_loaded_date) end,
      source_name = excluded.source_name,
      updated_at = now()`;
}

/** ISO date minus whole days. */
export function minusDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}
