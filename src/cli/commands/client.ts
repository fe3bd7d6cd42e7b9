import { db } from "../../db/connection.js";
import { parse, clientIdArg } from "../args.js";
import { CliError, usage } from "../errors.js";

function budgetArg(v: string | boolean | undefined): string | null {
  if (v === undefined) return null;
  const s = String(v).replace(/[\s\u00a0_]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) throw usage(`--budget must be a non-negative amount of rubles, got ${JSON.stringify(v)}`);
  return s;
}

export async function clientCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, {
    industry: { type: "string" },
    budget: { type: "string" },
    name: { type: "string" },
    "source-url": { type: "string" },
    json: { type: "boolean" },
  });
  const sub = positionals[0];
  const sql = await db();
  if (sub === "add") {
    const id = clientIdArg(positionals[1]);
    const industryName = values.industry ?? "other";
    const [ind] = await sql<{ code: string | null }[]>`select fleet.industry_code(${industryName}) as code`;
    if (!ind.code) {
      const all = await sql<{ code: string; name_ru: string }[]>`select code, name_ru from fleet.industries order by sort_order`;
      throw usage(`unknown industry ${JSON.stringify(industryName)}; use one of: ${all.map((i) => `${i.code} (${i.name_ru})`).join(", ")}`);
    }
    const budget = budgetArg(values.budget);
    const name = values.name ?? null;
    const sourceUrl = values["source-url"] ?? null;
    // Upsert: running `client add` again with the same values changes nothing (no version bump).
    const [row] = await sql<{ inserted: boolean }[]>`
      insert into fleet.clients (client_id, name, industry, year_budget, source_url)
      values (${id}, ${name}, ${ind.code}, ${budget}, ${sourceUrl})
      on conflict (client_id) do update set
        name = coalesce(excluded.name, fleet.clients.name),
        industry = excluded.industry,
        year_budget = coalesce(excluded.year_budget, fleet.clients.year_budget),
        source_url = coalesce(excluded.source_url, fleet.clients.source_url)
      where (fleet.clients.name, fleet.clients.industry, fleet.clients.year_budget, fleet.clients.source_url)
        is distinct from (coalesce(excluded.name, fleet.clients.name), excluded.industry,
                          coalesce(excluded.year_budget, fleet.clients.year_budget), coalesce(excluded.source_url, fleet.clients.source_url))
      returning (xmax = 0) as inserted`;
    const what = !row ? "unchanged" : row.inserted ? "created" : "updated";
    process.stdout.write(values.json ? JSON.stringify({ client_id: id, industry: ind.code, result: what }) + "\n" : `client ${id} ${what} (industry ${ind.code}${budget ? `, budget ${budget} ₽` : ""})\n`);
    return 0;
  }
  if (sub === "list") {
    const rows = await sql<{ client_id: string; industry: string; year_budget: string | null; linked: boolean; data_version: string; analyzed_at: Date | null }[]>`
      select client_id, industry, year_budget, source_url is not null as linked, data_version, analyzed_at
      from fleet.clients order by client_id`;
    if (values.json) process.stdout.write(JSON.stringify(rows) + "\n");
    else for (const r of rows) process.stdout.write(`${r.client_id}\t${r.industry}\t${r.year_budget ?? "-"}\t${r.linked ? "linked db" : "-"}\tv${r.data_version}\t${r.analyzed_at?.toISOString() ?? "never analysed"}\n`);
    return 0;
  }
  throw new CliError("usage: fleetsight client add <id> --industry <code|Русское название> --budget <rub> [--name ..] [--source-url ..] | client list", 2);
}
