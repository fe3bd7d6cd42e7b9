// recommendations_detail: the recommendations as structured items a dashboard can render richly,
//   [{"code", "severity", "text", "subjects": [{"id", "value", "peer_median", "excess_rub"}]}]
// first the six recommendations (ANALYSES.md #9, codes = their keys, same texts), then rule-based
// items built from fleet.anomalies rows (code = the rule, rules.ts), each naming the rubles at stake.
// Pure; no I/O: callers pass the facts and the anomaly rows.
import type { RecommendationFacts } from "./facts.js";
import { buildFindings, type Finding, type Subject } from "./findings.js";
import { ruleRecommendations, type RuleAnomalyRow, type RuleRecommendationOptions } from "./rules.js";

export type Severity = "low" | "medium" | "high";

export interface DetailItem {
  code: string;
  severity: Severity;
  text: string;
  subjects: Subject[];
}

/** One row of fleet.anomalies (numbers parsed). */
export type AnomalyRow = RuleAnomalyRow;

/** Share of the client's spending at stake from which an item is "high" / "medium". */
export const HIGH_SHARE = 0.02;
export const MEDIUM_SHARE = 0.005;

/**
 * Severity by rubles at stake relative to the spending they belong to: ≥ 2% high, ≥ 0.5% medium,
 * else low (and low when nothing is at stake or there is no spending to compare with).
 */
export function severityByRubles(rubAtStake: number, base: number): Severity {
  if (!(rubAtStake > 0) || !(base > 0)) return "low";
  const share = rubAtStake / base;
  return share >= HIGH_SHARE ? "high" : share >= MEDIUM_SHARE ? "medium" : "low";
}

/** Rubles at stake of a finding: the positive excesses of its subjects. */
function atStake(subjects: Subject[]): number {
  let s = 0;
  for (const x of subjects) if (x.excess_rub !== null && x.excess_rub > 0) s += x.excess_rub;
  return s;
}

function findingItem(f: Finding, facts: RecommendationFacts): DetailItem {
  let severity: Severity;
  if (f.code === "yearly_spending") {
    // the money at stake of a year is its overrun of the annual plan (none without a plan)
    const overrun = facts.year_budget !== null && facts.year_budget > 0 ? facts.year_total - facts.year_budget : 0;
    severity = severityByRubles(overrun, facts.year_total);
  } else severity = severityByRubles(atStake(f.subjects), facts.total);
  return { code: f.code, severity, text: f.text, subjects: f.subjects };
}

/**
 * Rule-based items from fleet.anomalies rows (code = the rule, texts naming the rubles at stake):
 * ruleRecommendations of rules.ts — one item per rule, rules by rubles at stake, per item the
 * subjects with the most rubles at stake.
 */
export function anomalyItems(rows: readonly AnomalyRow[], opts: RuleRecommendationOptions = {}): DetailItem[] {
  return ruleRecommendations(rows, opts);
}

/**
 * recommendations_detail: the six recommendations as items (contract order), then the rule-based
 * items from `anomalies` (may be empty).
 */
export function buildRecommendationsDetail(facts: RecommendationFacts, anomalies: AnomalyRow[] = []): DetailItem[] {
  return [...buildFindings(facts).map((f) => findingItem(f, facts)), ...anomalyItems(anomalies)];
}
