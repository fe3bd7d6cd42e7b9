// recommendations_detail: the recommendations as structured items a dashboard can render richly,
//   [{"code", "severity", "text", "subjects": [{"id", "value", "peer_median", "excess_rub"}]}]
// first the six recommendations (ANALYSES.md #9, codes = their keys, same texts), then rule-based
// items built from fleet.anomalies rows (code = the rule), each naming the rubles at stake.
// Pure; no I/O: callers pass the facts and the anomaly rows.
import { byName, type RecommendationFacts } from "./facts.js";
import { buildFindings, rub2, type Finding, type Subject } from "./findings.js";

export type Severity = "low" | "medium" | "high";

export interface DetailItem {
  code: string;
  severity: Severity;
  text: string;
  subjects: Subject[];
}

/** One row of fleet.anomalies (numbers parsed). */
export interface AnomalyRow {
  rule: string;
  subject_kind: "vehicle" | "driver" | "client" | string;
  subject: string;
  period_start: string | null;
  period_end: string | null;
  observed: number | null;
  expected: number | null;
  severity: string;
  rub_at_stake: number;
}

/** Share of the client's spending at stake from which an item is "high" / "medium". */
export const HIGH_SHARE = 0.02;
export const MEDIUM_SHARE = 0.005;
/** At most this many rule-based items, and subjects per item. */
export const MAX_RULE_ITEMS = 10;
export const MAX_SUBJECTS = 5;

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

/** Whole rubles, plain integer (no separators), as in the recommendation texts. */
function rubInt(x: number): string {
  const v = Math.round(x);
  return String(v === 0 ? 0 : v);
}

/** "рубль" / "рубля" / "рублей" agreeing with n. */
export function rublesWord(n: number): string {
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a >= 11 && a <= 14) return "рублей";
  if (b === 1) return "рубль";
  if (b >= 2 && b <= 4) return "рубля";
  return "рублей";
}

interface RuleText {
  /** the sentence naming the subjects, each "id — N руб." */
  lead: string;
  advice: string;
}

const RULE_TEXTS: Record<string, RuleText> = {
  fuel_norm_check: { lead: "Перерасход топлива сверх нормы", advice: "Рекомендуем сверить топливные карты с путевыми листами и проверить исправность автомобилей." },
  idle_fuel: { lead: "Заправки в дни без пробега", advice: "Рекомендуем проверить использование топливных карт." },
  driver_fines: { lead: "Водители со штрафами намного выше, чем у коллег", advice: "Рекомендуем провести дополнительное обучение по ПДД." },
  odometer_check: { lead: "Подозрительные показания одометра", advice: "Рекомендуем проверить одометры и путевые листы." },
  price_per_liter: { lead: "Цена литра топлива выше обычной", advice: "Рекомендуем проверить чеки и марку заправляемого топлива." },
  silent_assets: { lead: "Автомобили без пробега, на которые продолжают начисляться расходы", advice: "Рекомендуем вывести их из эксплуатации, вернуть из аренды или продать." },
  budget_burn: { lead: "Прогноз превышения годового бюджета", advice: "Рекомендуем пересмотреть план расходов." },
  high_salary: { lead: "Водители с аномально высокой зарплатой", advice: "Рекомендуем проверить начисления." },
};

/**
 * Rule-based items from fleet.anomalies rows: one item per rule, rules by rubles at stake (desc,
 * then rule name), at most MAX_RULE_ITEMS; per item the MAX_SUBJECTS subjects with the most rubles
 * at stake (then by name). A subject's excess_rub is the sum over its findings of the rule; value
 * and peer_median are the observed and expected figures of its largest finding. `base` is the
 * spending the severity is measured against (the client's total).
 */
export function anomalyItems(rows: AnomalyRow[], base: number): DetailItem[] {
  const byRule = new Map<string, Map<string, { rub: number; top: AnomalyRow }>>();
  for (const r of rows) {
    let subjects = byRule.get(r.rule);
    if (!subjects) byRule.set(r.rule, (subjects = new Map()));
    const s = subjects.get(r.subject);
    const rub = Number.isFinite(r.rub_at_stake) ? r.rub_at_stake : 0;
    if (!s) subjects.set(r.subject, { rub, top: r });
    else {
      s.rub += rub;
      const better = rub > s.top.rub_at_stake || (rub === s.top.rub_at_stake && (r.period_start ?? "") > (s.top.period_start ?? ""));
      if (better) s.top = r;
    }
  }
  const rules = [...byRule.entries()].map(([rule, subjects]) => {
    const list = [...subjects.entries()].map(([id, s]) => ({ id, ...s })).sort((a, b) => b.rub - a.rub || byName(a.id, b.id));
    return { rule, list, total: list.reduce((a, s) => a + s.rub, 0) };
  });
  rules.sort((a, b) => b.total - a.total || byName(a.rule, b.rule));
  return rules.slice(0, MAX_RULE_ITEMS).map(({ rule, list, total }) => {
    const top = list.slice(0, MAX_SUBJECTS);
    const t = RULE_TEXTS[rule] ?? { lead: `Находки правила ${rule}`, advice: "Рекомендуем проверить эти случаи." };
    const named = top.map((s) => (s.top.subject_kind === "client" ? `${rubInt(s.rub)} руб.` : `${s.id} — ${rubInt(s.rub)} руб.`)).join(", ");
    const more = list.length > top.length ? ` и ещё ${list.length - top.length}` : "";
    const text = `${t.lead}: ${named}${more}; всего под угрозой ${rubInt(total)} ${rublesWord(Math.round(total))}. ${t.advice}`;
    return {
      code: rule,
      severity: severityByRubles(total, base),
      text,
      subjects: top.map((s) => ({
        id: s.id,
        value: s.top.observed === null || !Number.isFinite(s.top.observed) ? null : rub2(s.top.observed),
        peer_median: s.top.expected === null || !Number.isFinite(s.top.expected) ? null : rub2(s.top.expected),
        excess_rub: rub2(s.rub),
      })),
    };
  });
}

/**
 * recommendations_detail: the six recommendations as items (contract order), then the rule-based
 * items from `anomalies` (may be empty).
 */
export function buildRecommendationsDetail(facts: RecommendationFacts, anomalies: AnomalyRow[] = []): DetailItem[] {
  return [...buildFindings(facts).map((f) => findingItem(f, facts)), ...anomalyItems(anomalies, facts.total)];
}
