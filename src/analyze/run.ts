// Runs every analysis of a client's industry and replaces the client's fraud_json rows in one
// transaction (types no longer applicable disappear). The transaction is REPEATABLE READ so every
// analysis sees the same snapshot, and the data_version it recorded is the one analysed.
import type { Sql } from "../db/connection.js";
import { log } from "../log.js";
import { tsAnalyses } from "./tsAnalyses.js";

export interface AnalyzeResult {
  clientId: string;
  asOf: string;
  analyses: { type: string; engine: string; ms: number; bytes: number }[];
  skipped: string[];
  dataVersion: number;
  expenseRows: number;
}

export class UnknownClientError extends Error {}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function analyzeClient(sql: Sql, clientId: string, opts: { asOf?: string } = {}): Promise<AnalyzeResult> {
  const asOf = opts.asOf ?? todayIso();
  return sql.begin("isolation level repeatable read", async (tx) => {
    // Serialise analyses of one client (parallel workers may both pick it up after a job-key replace).
    await tx`select pg_advisory_xact_lock(hashtext('fleetsight.analyze'), hashtext(${clientId}))`;
    const clients = await tx<{ data_version: string; analyses_version: string }[]>`
      select c.data_version, (select m.value from fleet.meta m where m.key = 'analyses_version') as analyses_version
      from fleet.clients c where c.client_id = ${clientId}`;
    if (clients.length === 0) throw new UnknownClientError(`unknown client "${clientId}"`);
    const { data_version, analyses_version } = clients[0];
    // Read the client's expenses once into this transaction's cache of the shared intermediates
    // (sql/expenses_cache.sql), then the findings: the anomaly analyses read fleet.anomalies.
    await tx`select fleet.expenses_cache_refresh(${clientId}, ${asOf}::date)`;
    await tx`select fleet.refresh_anomalies(${clientId}, ${asOf}::date)`;
    const types = await tx<{ analysis_type: string; engine: string }[]>`
      select analysis_type, engine from fleet.client_analyses(${clientId})`;
    const result: AnalyzeResult = { clientId, asOf, analyses: [], skipped: [], dataVersion: Number(data_version), expenseRows: 0 };
    const rows: { type: string; json: string }[] = [];
    for (const t of types) {
      const t0 = performance.now();
      let json: string;
      if (t.engine === "sql") {
        // ::text keeps the json byte-exact (key order is part of the contract).
        const [r] = await tx<{ r: string }[]>`select fleet.run_analysis(${t.analysis_type}, ${clientId}, ${asOf}::date)::text as r`;
        json = r.r;
      } else {
        const fn = tsAnalyses[t.analysis_type];
        if (!fn) {
          result.skipped.push(t.analysis_type);
          log("warn", "analysis has no implementation yet; skipped", { analysis_type: t.analysis_type, client_id: clientId });
          continue;
        }
        json = JSON.stringify(await fn({ tx, clientId, asOf }));
      }
      rows.push({ type: t.analysis_type, json });
      result.analyses.push({ type: t.analysis_type, engine: t.engine, ms: Math.round(performance.now() - t0), bytes: json.length });
    }
    await tx`delete from fleet.fraud_json where client_id = ${clientId}`;
    if (rows.length) {
      await tx`
        insert into fleet.fraud_json (client_id, analysis_type, result_json)
        select ${clientId}, r.t, r.j::json
        from unnest(${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.json)}::text[]) as r (t, j)`;
    }
    await tx`
      update fleet.clients
      set analyzed_version = ${data_version}, analyzed_analyses_version = ${analyses_version}::int, analyzed_at = now()
      where client_id = ${clientId}`;
    const [{ n }] = await tx<{ n: string }[]>`select count(*) as n from fleet.expenses where client_id = ${clientId}`;
    result.expenseRows = Number(n);
    return result;
  });
}
