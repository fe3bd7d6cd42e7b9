import type { Sql } from "../db/connection.js";
import { log } from "../log.js";
import { listInbox } from "./inbox.js";

/** Enqueue a load for every known client with loadable files in the inbox. */
export async function scanInbox(sql: Sql): Promise<{ clients: string[]; files: number }> {
  const known = new Set((await sql<{ client_id: string }[]>`select client_id from fleet.clients`).map((r) => r.client_id));
  const files = await listInbox(undefined, undefined, undefined, known);
  const clients = [...new Set(files.map((f) => f.clientId))].sort();
  for (const c of clients) await sql`select fleet.add_job('load', ${c})`;
  if (clients.length) log("info", "inbox: loads enqueued", { clients, files: files.length });
  return { clients, files: files.length };
}
