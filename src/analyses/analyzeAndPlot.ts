// analyze_and_plot (ANALYSES.md #8): the client's monthly total spending, the ETS (Holt-Winters
// family) forecast of the next 3 months, and the outlier months — the months whose actual total
// falls outside the fitted model's 95% one-step-ahead prediction interval.
// buildAnalyzeAndPlot is pure (monthly totals in, contract JSON out); analyzeAndPlot is the thin
// database half: one read of the shared monthly intermediate fleet.expenses_by_month plus the
// client's first/last expense date.
import { forecast } from "../forecast/index.js";
import type { TsAnalysisContext } from "../analyze/tsAnalyses.js";

export const HORIZON = 3;
export const LEVEL = 95;
const FREQUENCY = 12;

export interface MonthTotal {
  /** "YYYY-MM" */
  month: string;
  /** Total spending of the month in rubles (sum of total_cost). */
  total: number;
}

export interface AnalyzeAndPlotInput {
  clientId: string;
  /** as_of date, "YYYY-MM-DD" */
  asOf: string;
  /** Every month with expense rows up to as_of, any order. */
  months: MonthTotal[];
  /** Number of expense rows analysed. */
  rows: number;
  /** First and last expense date analysed ("YYYY-MM-DD"), null when there are no rows. */
  firstDate: string | null;
  lastDate: string | null;
}

export interface AnalyzeAndPlotResult {
  data: {
    x_axis: { values: string[]; type: "date"; unit: string; original_format: string };
    y_axis: {
      values: number[];
      type: "numeric";
      unit: string;
      original_format: string;
      statistics: { min: number | null; max: number | null; mean: number | null; sum: number };
    };
    outliers: { x: string[]; y: number[] };
    forecast: { x: string[]; yhat: number[]; yhat_lower: number[]; yhat_upper: number[] };
  };
  metadata: {
    source_file: string;
    analysis_date: string;
    model: string | null;
    parameters: Record<string, number | null>;
    incomplete_month: { month: string; last_expense_date: string; total: number; note: string } | null;
    skipped_zero_months: string[];
  };
}

/** Rubles rounded to kopecks (no negative zero). */
export function money(x: number): number {
  const v = Math.round(x * 100) / 100;
  return v === 0 ? 0 : v;
}

function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  const v = Math.round(x * f) / f;
  return v === 0 ? 0 : v;
}

/** "YYYY-MM" → the month's last day "YYYY-MM-DD". */
export function monthEnd(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** "YYYY-MM" plus k months. */
export function addMonths(month: string, k: number): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const d = new Date(Date.UTC(y, m - 1 + k, 1));
  return d.toISOString().slice(0, 7);
}

export function buildAnalyzeAndPlot(input: AnalyzeAndPlotInput): AnalyzeAndPlotResult | Record<string, never> {
  if (input.rows === 0 || input.months.length === 0 || input.lastDate === null || input.firstDate === null) return {};
  const months = [...input.months].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));

  // A trailing month whose last expense date is before the month's end is not a full month.
  let incomplete: AnalyzeAndPlotResult["metadata"]["incomplete_month"] = null;
  const last = months[months.length - 1];
  if (input.lastDate.slice(0, 7) === last.month && input.lastDate < monthEnd(last.month)) {
    months.pop();
    incomplete = {
      month: monthEnd(last.month),
      last_expense_date: input.lastDate,
      total: money(last.total),
      note: `Неполный месяц: данные за ${last.month} есть только по ${input.lastDate}; месяц не участвует в модели, статистике и поиске выбросов.`,
    };
  }

  const skipped: string[] = [];
  const series: { x: string; y: number }[] = [];
  for (const m of months) {
    if (money(m.total) === 0) skipped.push(monthEnd(m.month));
    else series.push({ x: monthEnd(m.month), y: money(m.total) });
  }
  const lastFull = months.length ? months[months.length - 1].month : null;

  const xs = series.map((p) => p.x);
  const ys = series.map((p) => p.y);
  const stats = { min: null as number | null, max: null as number | null, mean: null as number | null, sum: 0 };
  if (ys.length) {
    let sum = 0;
    for (const v of ys) sum += v;
    stats.min = Math.min(...ys);
    stats.max = Math.max(...ys);
    stats.mean = money(sum / ys.length);
    stats.sum = money(sum);
  }

  const outliers = { x: [] as string[], y: [] as number[] };
  const fc = { x: [] as string[], yhat: [] as number[], yhat_lower: [] as number[], yhat_upper: [] as number[] };
  let model: string | null = null;
  const parameters: Record<string, number | null> = { interval_width: LEVEL / 100 };
  if (ys.length > 0 && lastFull !== null) {
    const r = forecast({ values: ys, frequency: FREQUENCY, horizon: HORIZON, level: LEVEL });
    model = r.model;
    for (const k of ["alpha", "beta", "gamma", "phi"]) if (k in r.parameters) parameters[k] = roundTo(r.parameters[k], 4);
    parameters.aicc = r.aicc === null ? null : roundTo(r.aicc, 2);
    parameters.seasonal_period = FREQUENCY;
    parameters.fitted_months = r.n;
    for (let i = 0; i < ys.length; i++) {
      // compare at kopeck precision so a value exactly on the bound is not an outlier
      if (ys[i] < money(r.fittedLower[i]) || ys[i] > money(r.fittedUpper[i])) {
        outliers.x.push(xs[i]);
        outliers.y.push(ys[i]);
      }
    }
    for (let h = 0; h < HORIZON; h++) {
      fc.x.push(monthEnd(addMonths(lastFull, h + 1)));
      // spending is never negative: clip the forecast and its interval at zero
      fc.yhat.push(money(Math.max(0, r.mean[h])));
      fc.yhat_lower.push(money(Math.max(0, r.lower[h])));
      fc.yhat_upper.push(money(Math.max(0, r.upper[h])));
    }
  } else {
    parameters.fitted_months = 0;
  }

  return {
    data: {
      x_axis: { values: xs, type: "date", unit: "дата (последний день месяца)", original_format: "YYYY-MM-DD" },
      y_axis: { values: ys, type: "numeric", unit: "рубли", original_format: "число с плавающей точкой", statistics: stats },
      outliers,
      forecast: fc,
    },
    metadata: {
      source_file: `fleet.expenses (client ${input.clientId}, ${input.rows} rows, ${input.firstDate} … ${input.lastDate})`,
      analysis_date: input.asOf,
      model,
      parameters,
      incomplete_month: incomplete,
      skipped_zero_months: skipped,
    },
  };
}

/** The database half: monthly totals from the shared intermediate, then buildAnalyzeAndPlot. */
export async function analyzeAndPlot({ tx, clientId, asOf }: TsAnalysisContext): Promise<unknown> {
  const rows = await tx<{ month: string; total: string; rows: string }[]>`
    select to_char(m.month, 'YYYY-MM') as month, m.total_cost::text as total, m.expense_rows::text as rows
    from fleet.expenses_by_month(${clientId}, ${asOf}::date) m
    order by m.month`;
  if (rows.length === 0) return {};
  const [range] = await tx<{ first: string | null; last: string | null }[]>`
    select min(e.date)::text as first, max(e.date)::text as last
    from fleet.expenses e
    where e.client_id = ${clientId} and e.date <= ${asOf}::date`;
  return buildAnalyzeAndPlot({
    clientId,
    asOf,
    months: rows.map((r) => ({ month: r.month, total: Number(r.total) })),
    rows: rows.reduce((a, r) => a + Number(r.rows), 0),
    firstDate: range.first,
    lastDate: range.last,
  });
}
