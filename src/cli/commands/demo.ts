// `fleetsight demo`: the main job end to end on a fresh machine — embedded database, migrate,
// three clients of different industries, generated data, load, analyze, a readable summary.
// Deterministic and idempotent: a second run loads identical data (nothing changes) and only
// re-analyses clients the sweep would.
import { join } from "node:path";
import { db } from "../../db/connection.js";
import { databaseUrl, usingEmbedded } from "../../db/url.js";
import { migrateDatabase } from "../../db/migrate.js";
import { generate } from "../../generate/index.js";
import { loadFile } from "../../load/files.js";
import { analyzeClient } from "../../analyze/run.js";
import { homeDir } from "../../paths.js";
import { redact } from "../../log.js";
import { parse, intOption } from "../args.js";
import { EXIT } from "../errors.js";

const DEMO_CLIENTS = [
  { id: "demo_logistics", industry: "logistics", name: "ООО «Магистраль» (демо)", budget: 160_000_000, vehicles: 40, seed: 11 },
  { id: "demo_construction", industry: "construction", name: "АО «СтройТехника» (демо)", budget: 120_000_000, vehicles: 30, seed: 22 },
  { id: "demo_carsharing", industry: "carsharing", name: "Каршеринг «Город» (демо)", budget: 60_000_000, vehicles: 50, seed: 33 },
];

const rub = (x: number) => `${Math.round(x).toLocaleString("ru-RU")} ₽`;

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { days: { type: "string" } });
  const days = intOption(values.days, "days", 730, 30, 3650);
  const url = await databaseUrl();
  process.stdout.write(`fleetsight demo — database: ${usingEmbedded() ? "embedded PostgreSQL (./.fleetsight)" : redact(url)}\n`);
  await migrateDatabase(url);
  const sql = await db();
  let code: number = EXIT.ok;
  for (const c of DEMO_CLIENTS) {
    await sql`
      insert into fleet.clients (client_id, name, industry, year_budget) values (${c.id}, ${c.name}, ${c.industry}, ${c.budget})
      on conflict (client_id) do update set name = excluded.name, industry = excluded.industry, year_budget = excluded.year_budget
      where (fleet.clients.name, fleet.clients.industry, fleet.clients.year_budget) is distinct from (excluded.name, excluded.industry, excluded.year_budget)`;
    const dir = join(homeDir(), "demo", c.id);
    const g = await generate(dir, { vehicles: c.vehicles, days, industry: c.industry, seed: c.seed });
    const loads = [await loadFile(sql, c.id, g.vehiclesCsv), await loadFile(sql, c.id, g.expensesCsv)];
    for (const l of loads) if (l.status === "failed" || l.status === "refused") code = EXIT.failed;
    const [{ pending }] = await sql<{ pending: boolean }[]>`select ${c.id} in (select fleet.clients_to_analyze()) as pending`;
    const analyzed = pending ? await analyzeClient(sql, c.id) : null;
    const [s] = await sql<{ rows: string; vehicles: string; spend: string | null; from: string | null; to: string | null; analyses: string }[]>`
      select count(*) as rows, count(distinct gov_number) as vehicles, sum(total_cost) as spend, min(date)::text as from, max(date)::text as to,
             (select count(*) from fleet.fraud_json f where f.client_id = ${c.id}) as analyses
      from fleet.expenses where client_id = ${c.id}`;
    const top = await sql<{ rule: string; subject: string; rub: string; period: string | null }[]>`
      select rule, subject, rub_at_stake as rub, to_char(period_start, 'YYYY-MM') as period
      from fleet.anomalies where client_id = ${c.id} order by rub_at_stake desc, anomaly_id limit 3`;
    const [cat] = await sql<{ category: string; label_ru: string; share: number }[]>`
      select ec.category, ec.label_ru, (sum((to_jsonb(m) ->> ec.category)::numeric) / nullif(sum(m.total_cost), 0))::float8 as share
      from fleet.expenses_by_month(${c.id}, current_date) m cross join fleet.expense_categories ec
      group by ec.category, ec.label_ru order by share desc nulls last limit 1`;
    // the forecast (analyze_and_plot) and the recommendations, as the dashboard would show them
    const [plot] = await sql<{ model: string | null; x: string[] | null; yhat: number[] | null; outliers: number | null }[]>`
      select r -> 'metadata' ->> 'model' as model, r -> 'data' -> 'forecast' -> 'x' as x, r -> 'data' -> 'forecast' -> 'yhat' as yhat,
             json_array_length(r -> 'data' -> 'outliers' -> 'x') as outliers
      from (select result_json as r from fleet.fraud_json where client_id = ${c.id} and analysis_type = 'analyze_and_plot') f`;
    const [rec] = await sql<{ keys: number; budget: string | null; items: number | null; high: number | null }[]>`
      select (select count(*)::int from json_object_keys((select result_json from fleet.fraud_json where client_id = ${c.id} and analysis_type = 'recommendations'))) as keys,
             (select result_json ->> 'yearly_spending' from fleet.fraud_json where client_id = ${c.id} and analysis_type = 'recommendations') as budget,
             (select json_array_length(result_json) from fleet.fraud_json where client_id = ${c.id} and analysis_type = 'recommendations_detail' and json_typeof(result_json) = 'array') as items,
             (select count(*)::int from fleet.fraud_json f, json_array_elements(f.result_json) i
              where f.client_id = ${c.id} and f.analysis_type = 'recommendations_detail' and json_typeof(f.result_json) = 'array' and i ->> 'severity' = 'high') as high`;
    const forecastLine = plot?.model && plot.x?.length && plot.yhat
      ? `  forecast (${plot.model}): ${plot.x.map((x, i) => `${x.slice(0, 7)} ${rub(plot.yhat![i])}`).join(", ")}; outlier months: ${plot.outliers ?? 0}`
      : null;
    const recLines = rec && rec.keys > 0
      ? [`  recommendations: ${rec.keys}; detailed items: ${rec.items ?? 0} (${rec.high ?? 0} high)`, ...(rec.budget ? [`    «${rec.budget}»`] : [])]
      : [];
    const loaded = loads.map((l) => `${l.source}: ${l.status}, read ${l.rowsRead}, loaded ${l.rowsLoaded}, duplicate ${l.rowsDuplicate}, rejected ${l.rowsRejected}${l.changed ? "" : " (no change)"}`);
    process.stdout.write(
      [
        ``,
        `${c.id} — ${c.name}, ${c.industry}, budget ${rub(c.budget)}/year`,
        ...loaded.map((l) => `  load ${l}`),
        `  data: ${Number(s.rows).toLocaleString("en-US")} expense rows, ${s.vehicles} vehicles, ${s.from} … ${s.to}`,
        `  total spend: ${rub(Number(s.spend ?? 0))}${cat?.share ? `; largest category: ${cat.label_ru} (${(cat.share * 100).toFixed(1)}%)` : ""}`,
        `  analyses in fleet.fraud_json: ${s.analyses}${analyzed ? ` (analysed now in ${analyzed.analyses.reduce((a, x) => a + x.ms, 0)} ms)` : " (unchanged since the last analysis)"}`,
        ...(forecastLine ? [forecastLine] : []),
        ...recLines,
        ...(top.length
          ? top.map((t, i) => `  ${i === 0 ? "top findings:" : "             "} ${t.rule} — ${t.subject}${t.period ? ` ${t.period}` : ""}: ${rub(Number(t.rub))} at stake`)
          : []),
      ].join("\n") + "\n",
    );
  }
  const psqlUrl = usingEmbedded() ? "$(npx fleetsight db url)" : "$DATABASE_URL";
  process.stdout.write(
    `\nInspect the results:\n  psql "${psqlUrl}" -c "select client_id, analysis_type, length(result_json::text) from fleet.fraud_json order by 1, 2"\n` +
      `  psql "${psqlUrl}" -c "select rule, count(*), sum(rub_at_stake) from fleet.anomalies group by 1 order by 3 desc"\n`,
  );
  return code;
}
