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
  /** Milliseconds of the steps around the analyses: the as_of month cache, the fraud rules, the whole run. */
  steps: { cache_ms: number; rules_ms: number; total_ms: number };
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
    // The as_of month of the roll-ups once (sql/expenses_cache.sql), then the findings: the anomaly
    // analyses read fleet.anomalies.
    const t0 = performance.now();
    await tx`select fleet.expenses_cache_refresh(${clientId}, ${asOf}::date)`;
    const t1 = performance.now();
    await tx`select fleet.refresh_anomalies(${clientId}, ${asOf}::date)`;
    const t2 = performance.now();
    const types = await tx<{ analysis_type: string; engine: string }[]>`
      select analysis_type, engine from fleet.client_analyses(${clientId})`;
    const result: AnalyzeResult = {
      clientId, asOf, analyses: [], skipped: [], dataVersion: Number(data_version), expenseRows: 0,
      steps: { cache_ms: Math.round(t1 - t0), rules_ms: Math.round(t2 - t1), total_ms: 0 },
    };
    // Types no longer applicable disappear; the rest is rewritten below, all in this transaction.
    await tx`delete from fleet.fraud_json where client_id = ${clientId}`;
    for (const t of types) {
      const started = performance.now();
      let bytes: number;
      if (t.engine === "sql") {
        // Written where it is computed: megabytes of JSON never travel to Node and back, and the
        // stored text is exactly the function's (key order is part of the contract).
        const [r] = await tx<{ n: number }[]>`
          insert into fleet.fraud_json (client_id, analysis_type, result_json)
          values (${clientId}, ${t.analysis_type}, fleet.run_analysis(${t.analysis_type}, ${clientId}, ${asOf}::date))
          returning length(result_json::text) as n`;
        bytes = r.n;
      } else {
        const fn = tsAnalyses[t.analysis_type];
        if (!fn) {
          result.skipped.push(t.analysis_type);
          log("warn", "analysis has no implementation yet; skipped", { analysis_type: t.analysis_type, client_id: clientId });
          continue;
        }
        const json = JSON.stringify(await fn({ tx, clientId, asOf }));
        await tx`
          insert into fleet.fraud_json (client_id, analysis_type, result_json)
          values (${clientId}, ${t.analysis_type}, ${json}::text::json)`; // text first: a json-typed parameter would be encoded again
        bytes = json.length;
      }
      result.analyses.push({ type: t.analysis_type, engine: t.engine, ms: Math.round(performance.now() - started), bytes });
    }
    await tx`
      update fleet.clients
      set analyzed_version = ${data_version}, analyzed_analyses_version = ${analyses_version}::int, analyzed_at = now()
      where client_id = ${clientId}`;
    // every expense row of the client is in exactly one roll-up month (cheaper than counting rows)
    const [{ n }] = await tx<{ n: string }[]>`
      select coalesce(sum(m.expense_rows), 0) as n from fleet.client_months m where m.client_id = ${clientId}`;
    result.expenseRows = Number(n);
    result.steps.total_ms = Math.round(performance.now() - t0);
    return result;
  });
}
