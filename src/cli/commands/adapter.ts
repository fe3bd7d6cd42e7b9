// `fleetsight adapter install|uninstall web-users`: triggers on the existing dashboard's web.users
// table that keep fleet.clients in sync (sql/adapter_web_users.sql). Not part of the migrations:
// web.users belongs to the dashboard and may not exist where fleetsight runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "../../db/connection.js";
import { db } from "../../db/connection.js";
import { packageRoot } from "../../paths.js";
import { parse } from "../args.js";
import { CliError, usage } from "../errors.js";

const USAGE = "usage: fleetsight adapter install web-users [--json] | fleetsight adapter uninstall web-users";

/** Install (or reinstall) the web-users adapter and sync existing rows; returns the number of clients in sync. */
export async function installWebUsersAdapter(sql: Sql): Promise<{ users: number; clients: number }> {
  const [t] = await sql<{ ok: boolean }[]>`select to_regclass('web.users') is not null as ok`;
  if (!t.ok) throw new CliError("web.users does not exist in this database: create the dashboard's tables first (see SPEC §4), then run the install again");
  const text = readFileSync(join(packageRoot, "sql", "adapter_web_users.sql"), "utf8");
  return sql.begin(async (tx) => {
    await tx.unsafe(text);
    const [n] = await tx<{ users: string; clients: string }[]>`
      select (select count(*) from web.users) as users,
             (select count(*) from fleet.clients c where c.client_id in (select u.companyid from web.users u)) as clients`;
    return { users: Number(n.users), clients: Number(n.clients) };
  });
}

export async function uninstallWebUsersAdapter(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    const [t] = await tx<{ ok: boolean }[]>`select to_regclass('web.users') is not null as ok`;
    if (t.ok) await tx.unsafe("drop trigger if exists fleet_web_users_sync on web.users");
    await tx.unsafe("drop function if exists fleet.web_users_sync()");
    await tx.unsafe("drop function if exists fleet.web_users_upsert_client(text, text, text, numeric, text)");
  });
}

export async function adapterCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { json: { type: "boolean" } });
  const [action, name] = positionals;
  if (!action || !["install", "uninstall"].includes(action) || name !== "web-users" || positionals.length > 2) throw usage(USAGE);
  const sql = await db();
  if (action === "install") {
    const r = await installWebUsersAdapter(sql);
    process.stdout.write(
      values.json
        ? JSON.stringify({ adapter: "web-users", installed: true, ...r }) + "\n"
        : `web-users adapter installed: triggers on web.users keep fleet.clients in sync (${r.users} users, ${r.clients} clients in sync)\n`,
    );
  } else {
    await uninstallWebUsersAdapter(sql);
    process.stdout.write(values.json ? JSON.stringify({ adapter: "web-users", installed: false }) + "\n" : "web-users adapter removed (fleet.clients rows are kept)\n");
  }
  return 0;
}
