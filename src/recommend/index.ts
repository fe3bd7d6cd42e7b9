// The database half of recommendations / recommendations_detail: one call of
// fleet.recommendation_facts (sql/recommendation_facts.sql), the client's fleet.anomalies rows,
// then the pure assembly in findings.ts / detail.ts.
import type { TsAnalysisContext, Tx } from "../analyze/tsAnalyses.js";
import { parseFacts, type RecommendationFacts } from "./facts.js";
import { buildRecommendations } from "./findings.js";
import { buildRecommendationsDetail, type AnomalyRow } from "./detail.js";

export { parseFacts, type RecommendationFacts } from "./facts.js";
export { buildFindings, buildRecommendations, driverScores, CODES, type Code, type Finding, type Subject } from "./findings.js";
export { anomalyItems, buildRecommendationsDetail, severityByRubles, type AnomalyRow, type DetailItem, type Severity } from "./detail.js";
export { ruleRecommendations, rublesWord } from "./rules.js";

// recommendations and recommendations_detail run in the same analyze transaction (one snapshot):
// the facts are computed once per transaction, client and date.
const factsByTx = new WeakMap<object, Map<string, Promise<RecommendationFacts>>>();

export function loadFacts(tx: Tx, clientId: string, asOf: string): Promise<RecommendationFacts> {
  let perTx = factsByTx.get(tx);
  if (!perTx) factsByTx.set(tx, (perTx = new Map()));
  const key = `${clientId}\u0000${asOf}`;
  let p = perTx.get(key);
  if (!p) {
    p = tx<{ facts: string }[]>`select fleet.recommendation_facts(${clientId}, ${asOf}::date)::text as facts`.then(([r]) => parseFacts(r.facts));
    perTx.set(key, p);
    p.catch(() => perTx.delete(key));
  }
  return p;
}

/** The client's anomaly findings up to as_of (rows written earlier in the same analyze run). */
export async function loadAnomalies(tx: Tx, clientId: string, asOf: string): Promise<AnomalyRow[]> {
  const rows = await tx<{ rule: string; subject_kind: string; subject: string; period_start: string | null; period_end: string | null; observed: string | null; expected: string | null; severity: string; rub_at_stake: string; details: string }[]>`
    select a.rule, a.subject_kind, a.subject, a.period_start::text as period_start, a.period_end::text as period_end,
           a.observed::text as observed, a.expected::text as expected, a.severity, a.rub_at_stake::text as rub_at_stake,
           a.details::text as details
    from fleet.anomalies a
    where a.client_id = ${clientId} and (a.period_start is null or a.period_start <= ${asOf}::date)
    order by a.rule, a.subject, a.period_start nulls first, a.anomaly_id`;
  const num = (v: string | null): number | null => (v === null ? null : Number(v));
  return rows.map((r) => ({
    ...r,
    observed: num(r.observed),
    expected: num(r.expected),
    rub_at_stake: Number(r.rub_at_stake),
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}

/** recommendations (ANALYSES.md #9); {} for a client without expense rows. */
export async function recommendations({ tx, clientId, asOf }: TsAnalysisContext): Promise<unknown> {
  const facts = await loadFacts(tx, clientId, asOf);
  if (facts.year === null) return {};
  return buildRecommendations(facts);
}

/** recommendations_detail; {} for a client without expense rows, [] when there is nothing to say. */
export async function recommendationsDetail({ tx, clientId, asOf }: TsAnalysisContext): Promise<unknown> {
  const facts = await loadFacts(tx, clientId, asOf);
  if (facts.year === null) return {};
  return buildRecommendationsDetail(facts, await loadAnomalies(tx, clientId, asOf));
}
