// Russian recommendations from the anomaly rules (fleet.anomalies rows), each naming the money at
// stake: one item per rule that found something, rules ranked by rubles at stake, per item the
// subjects with the most rubles at stake. Shape of recommendations_detail (ANALYSES.md):
//   [{"code", "severity", "text", "subjects": [{"id", "value", "peer_median", "excess_rub"}]}]
// Pure, no I/O; deterministic (ties broken by name). See docs/ANOMALIES.md.

export type RuleSeverity = "low" | "medium" | "high";

/** One fleet.anomalies row as the recommendation needs it (numbers already parsed). */
export interface RuleAnomalyRow {
  rule: string;
  subject_kind: string;
  subject: string;
  period_start: string | null;
  period_end: string | null;
  observed: number | null;
  expected: number | null;
  severity: string;
  rub_at_stake: number;
  details?: Record<string, unknown> | null;
}

export interface RuleSubject {
  id: string;
  value: number | null;
  peer_median: number | null;
  excess_rub: number | null;
}

export interface RuleRecommendation {
  code: string;
  severity: RuleSeverity;
  text: string;
  subjects: RuleSubject[];
}

export interface RuleRecommendationOptions {
  /** subjects named per item (default 5) */
  maxSubjects?: number;
}

interface RuleText {
  /** the sentence before the list of subjects */
  lead: string;
  advice: string;
  /** how one subject is named when its rubles at stake are 0 (e.g. an odometer rollback) */
  zero?: (s: SubjectAgg) => string;
}

interface SubjectAgg {
  id: string;
  kind: string;
  rub: number;
  findings: number;
  top: RuleAnomalyRow;
}

const SEVERITY_RANK: Record<string, number> = { low: 0, medium: 1, high: 2 };

const TEXTS: Record<string, RuleText> = {
  fuel_norm_check: {
    lead: "Перерасход топлива сверх нормы расхода (с учётом зимней и возрастной надбавок)",
    advice: "Рекомендуем сверить топливные карты с путевыми листами и проверить техническое состояние автомобилей.",
  },
  idle_fuel: {
    lead: "Заправки топливом в дни без пробега",
    advice: "Рекомендуем проверить использование топливных карт: это типичная схема хищения топлива.",
  },
  driver_fines: {
    lead: "Водители, у которых штрафов на 1000 км намного больше, чем у остальных водителей",
    advice: "Рекомендуем провести дополнительное обучение по ПДД и разобрать штрафы с водителями.",
  },
  odometer_check: {
    lead: "Невозможные показания одометра (скручивание или скачок пробега)",
    advice: "Рекомендуем проверить одометры, тахографы и путевые листы.",
    zero: (s) => `${s.id} — ${s.top.details && s.top.details["kind"] === "backwards" ? "скручивание" : "скачок"} ${s.top.details && typeof s.top.details["delta_km"] === "number" ? `на ${Math.abs(Math.round(s.top.details["delta_km"] as number))} км` : ""}`.trim(),
  },
  price_per_liter: {
    lead: "Цена литра топлива заметно выше, чем у других машин того же типа в том же месяце",
    advice: "Рекомендуем проверить чеки, АЗС и марку заправляемого топлива.",
  },
  silent_assets: {
    lead: "Автомобили без пробега 21 день и дольше, на которые продолжают начисляться расходы (стоянка, страховка, налог, аренда)",
    advice: "Рекомендуем вернуть их в работу, вернуть из аренды или продать.",
  },
  high_salary: {
    lead: "Аномально высокие начисления зарплаты водителям",
    advice: "Рекомендуем проверить основания начислений.",
  },
  data_quality: {
    lead: "Расходы по автомобилям, которых нет в реестре транспорта",
    advice: "Рекомендуем дополнить реестр или проверить, кому принадлежат эти расходы.",
    zero: (s) => (s.top.details && s.top.details["issue"] === "days_without_data" ? `нет данных ${s.top.period_start} — ${s.top.period_end}` : s.id),
  },
};

/** Whole rubles, no separators (as the other recommendation texts). */
function rubInt(x: number): string {
  const v = Math.round(x);
  return String(v === 0 ? 0 : v);
}

/** "рубль" / "рубля" / "рублей" agreeing with n. */
export function rublesWord(n: number): string {
  const a = Math.abs(Math.round(n)) % 100;
  const b = a % 10;
  if (a >= 11 && a <= 14) return "рублей";
  if (b === 1) return "рубль";
  if (b >= 2 && b <= 4) return "рубля";
  return "рублей";
}

const MONTHS_PREP = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре", "декабре"];

/** "в апреле 2026 года" for "2026-04". */
function inMonth(ym: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(ym);
  if (!m) return ym;
  return `в ${MONTHS_PREP[Number(m[2]) - 1]} ${m[1]} года`;
}

const round2 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function budgetItem(rows: RuleAnomalyRow[]): RuleRecommendation {
  const r = [...rows].sort((a, b) => byName(b.period_start ?? "", a.period_start ?? ""))[0];
  const d = r.details ?? {};
  const exceedsIn = typeof d["exceeds_in"] === "string" ? (d["exceeds_in"] as string) : null;
  const already = d["already_exceeded"] === true;
  const year = typeof d["year"] === "string" ? (d["year"] as string) : (r.period_start ?? "").slice(0, 4);
  const overrun = r.rub_at_stake;
  const when = exceedsIn ? (already ? `уже превышен ${inMonth(exceedsIn)}` : `будет превышен ${inMonth(exceedsIn)}`) : "будет превышен";
  const text =
    `Годовой бюджет ${year} года ${when}: прогноз расходов за год ${rubInt(r.observed ?? 0)} ${rublesWord(r.observed ?? 0)} ` +
    `при плане ${rubInt(r.expected ?? 0)} ${rublesWord(r.expected ?? 0)}, перерасход ${rubInt(overrun)} ${rublesWord(overrun)}. ` +
    "Рекомендуем пересмотреть план расходов или сократить затраты.";
  return {
    code: "budget_burn",
    severity: (r.severity in SEVERITY_RANK ? r.severity : "low") as RuleSeverity,
    text,
    subjects: [{ id: r.subject, value: round2(r.observed), peer_median: round2(r.expected), excess_rub: round2(overrun) }],
  };
}

/**
 * Recommendation items from anomaly rows: one per rule (budget_burn as one sentence about the
 * plan), ranked by rubles at stake (desc, then rule name). Severity = the highest severity among
 * the rule's findings. Subjects: rubles summed per subject over the rule's findings, the top
 * `maxSubjects` by rubles (then name); value / peer_median are the observed / expected figures of
 * the subject's largest finding.
 */
export function ruleRecommendations(rows: readonly RuleAnomalyRow[], opts: RuleRecommendationOptions = {}): RuleRecommendation[] {
  const maxSubjects = opts.maxSubjects ?? 5;
  const byRule = new Map<string, RuleAnomalyRow[]>();
  for (const r of rows) {
    const list = byRule.get(r.rule);
    if (list) list.push(r);
    else byRule.set(r.rule, [r]);
  }
  const items: { item: RuleRecommendation; total: number }[] = [];
  for (const [rule, list] of byRule) {
    if (rule === "budget_burn") {
      const item = budgetItem(list);
      items.push({ item, total: list.reduce((a, r) => Math.max(a, r.rub_at_stake), 0) });
      continue;
    }
    const subjects = new Map<string, SubjectAgg>();
    let severity = 0;
    for (const r of list) {
      const rub = Number.isFinite(r.rub_at_stake) ? r.rub_at_stake : 0;
      severity = Math.max(severity, SEVERITY_RANK[r.severity] ?? 0);
      const key = r.subject_kind === "client" && r.details && typeof r.details["issue"] === "string" ? `${r.subject}|${r.period_start}` : r.subject;
      const s = subjects.get(key);
      if (!s) subjects.set(key, { id: r.subject, kind: r.subject_kind, rub, findings: 1, top: r });
      else {
        s.rub += rub;
        s.findings++;
        if (rub > s.top.rub_at_stake) s.top = r;
      }
    }
    const ranked = [...subjects.values()].sort((a, b) => b.rub - a.rub || byName(a.id, b.id) || byName(a.top.period_start ?? "", b.top.period_start ?? ""));
    const total = ranked.reduce((a, s) => a + s.rub, 0);
    const top = ranked.slice(0, maxSubjects);
    const t = TEXTS[rule] ?? { lead: `Находки правила ${rule}`, advice: "Рекомендуем проверить эти случаи." };
    const name = (s: SubjectAgg) => {
      if (s.rub > 0) {
        const times = s.findings > 1 ? ` (${s.findings} случ.)` : "";
        return `${s.id} — ${rubInt(s.rub)} руб.${times}`;
      }
      return t.zero ? t.zero(s) : s.id;
    };
    const more = ranked.length > top.length ? ` и ещё ${ranked.length - top.length}` : "";
    const money = total > 0 ? `; всего под угрозой ${rubInt(total)} ${rublesWord(total)}` : "";
    const text = `${t.lead}: ${top.map(name).join(", ")}${more}${money}. ${t.advice}`;
    items.push({
      total,
      item: {
        code: rule,
        severity: (["low", "medium", "high"] as const)[severity],
        text,
        subjects: top.map((s) => ({
          id: s.id,
          value: round2(s.top.observed),
          peer_median: round2(s.top.expected),
          excess_rub: round2(s.rub),
        })),
      },
    });
  }
  items.sort((a, b) => b.total - a.total || byName(a.item.code, b.item.code));
  return items.map((x) => x.item);
}
