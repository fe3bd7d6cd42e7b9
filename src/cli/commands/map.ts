import { db } from "../../db/connection.js";
import { clientIdArg, parse } from "../args.js";
import { usage } from "../errors.js";

/** fleetsight map <client> "<header>" <field>: a per-client header mapping (fleet.client_column_map). */
export async function mapCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { delete: { type: "boolean" } });
  const id = clientIdArg(positionals[0]);
  const header = positionals[1];
  const field = positionals[2];
  if (!header || (!field && !values.delete)) throw usage('usage: fleetsight map <client_id> "<header>" <field> | map <client_id> "<header>" --delete');
  const sql = await db();
  if (values.delete) {
    const r = await sql`delete from fleet.client_column_map where client_id = ${id} and header = ${header}`;
    process.stdout.write(r.count ? `removed mapping for ${JSON.stringify(header)}\n` : `no mapping for ${JSON.stringify(header)}\n`);
    return 0;
  }
  const known = await sql`select 1 from fleet.fields where field = ${field} and field <> 'client_id'`;
  if (!known.length) throw usage(`unknown field ${JSON.stringify(field)}; see: select field, label_ru from fleet.fields`);
  const client = await sql`select 1 from fleet.clients where client_id = ${id}`;
  if (!client.length) throw usage(`unknown client ${JSON.stringify(id)}`);
  await sql`insert into fleet.client_column_map (client_id, header, field) values (${id}, ${header}, ${field})
            on conflict (client_id, header) do update set field = excluded.field`;
  process.stdout.write(`${id}: header ${JSON.stringify(header)} → ${field}\n`);
  return 0;
}
