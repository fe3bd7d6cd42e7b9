import type { Sql } from "../db/connection.js";

/** Enqueue analyze for clients that need it (fleet.sweep); returns how many were enqueued. */
export async function sweep(sql: Sql, asOf?: string): Promise<number> {
  const [{ n }] = asOf
    ? await sql<{ n: number }[]>`select fleet.sweep(${asOf}::date) as n`
    : await sql<{ n: number }[]>`select fleet.sweep() as n`;
  return Number(n);
}
