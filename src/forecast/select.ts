// Model selection over the ETS family by AICc, following R's forecast::ets defaults.
import { countParams, type ModelSpec, type SeasonType, type TrendType, type ErrorType } from "./ets.js";
import { DEFAULT_FIT_OPTIONS, fitModel, type FitOptions, type FittedModel } from "./fit.js";

export interface SelectOptions extends FitOptions {
  /** Allow multiplicative-error models (only ever used on strictly positive data). */
  multiplicativeErrors: boolean;
  /**
   * Exclude additive-error models with multiplicative seasonality (ets(restrict = TRUE) does, as
   * their forecast variance has no closed form). Off by default: they are the classic multiplicative
   * Holt–Winters and improved accuracy in our benchmark; their intervals are simulated.
   */
  restrict: boolean;
  /** Largest seasonal period handled with seasonal states (ets: 24). */
  maxSeasonalPeriod: number;
  /** Minimum number of full seasons before seasonal models are considered. */
  minSeasons: number;
  /** Start multiplicative-error / multiplicative-season fits from the fitted additive model with the same trend. */
  warmStart: boolean;
}

export const DEFAULT_SELECT_OPTIONS: SelectOptions = {
  ...DEFAULT_FIT_OPTIONS,
  multiplicativeErrors: true,
  restrict: false,
  maxSeasonalPeriod: 24,
  minSeasons: 2,
  warmStart: true,
};

/** The candidate models for a series (length n, period m, positivity). */
export function candidateModels(n: number, m: number, positive: boolean, opts: SelectOptions = DEFAULT_SELECT_OPTIONS): ModelSpec[] {
  const seasonalOk = m > 1 && m <= opts.maxSeasonalPeriod && n >= opts.minSeasons * m;
  const errors: ErrorType[] = positive && opts.multiplicativeErrors ? ["A", "M"] : ["A"];
  const trends: TrendType[] = ["N", "A", "Ad"];
  const seasons: SeasonType[] = ["N"];
  if (seasonalOk) {
    seasons.push("A");
    if (positive) seasons.push("M");
  }
  const out: ModelSpec[] = [];
  for (const error of errors)
    for (const trend of trends)
      for (const season of seasons) {
        if (opts.restrict && opts.multiplicativeErrors && positive && error === "A" && season === "M") continue;
        const spec: ModelSpec = { error, trend, season, m: season === "N" ? 1 : m };
        const np = countParams(spec);
        const simplest = trend === "N" && season === "N";
        // ets: skip models with n <= npars + 4; the simplest models are always tried from 4 points on
        if (n <= np + 4 && !(simplest && n >= 4)) continue;
        out.push(spec);
      }
  return out;
}

export interface Selection {
  best: FittedModel;
  fits: FittedModel[];
}

/** Fits all candidates and returns the one with the smallest AICc (AIC-like -2logL+2k if no AICc is defined). */
export function selectModel(y: Float64Array, m: number, opts: SelectOptions = DEFAULT_SELECT_OPTIONS): Selection | null {
  const n = y.length;
  let positive = true;
  for (let i = 0; i < n; i++) if (!(y[i] > 0)) positive = false;
  const fits: FittedModel[] = [];
  // additive-error models first, so that the others can start from them
  const specs = candidateModels(n, m, positive, opts).sort((a, b) => (a.error === b.error ? 0 : a.error === "A" ? -1 : 1));
  for (const spec of specs) {
    let warm: FittedModel | null = null;
    if (opts.warmStart && spec.season !== "N" && (spec.error === "M" || spec.season === "M")) {
      warm = fits.find((f) => f.spec.error === "A" && f.spec.trend === spec.trend && f.spec.season === "A") ?? null;
    }
    const f = fitModel(y, spec, opts, warm);
    if (f !== null) fits.push(f);
  }
  if (fits.length === 0) return null;
  const score = (f: FittedModel): number => (Number.isFinite(f.aicc) ? f.aicc : Infinity);
  let best = fits[0];
  for (const f of fits) if (score(f) < score(best)) best = f;
  if (!Number.isFinite(score(best))) {
    // too few points for AICc everywhere: fall back to plain AIC
    const aic = (f: FittedModel): number => f.m2loglik + 2 * f.k;
    best = fits[0];
    for (const f of fits) if (aic(f) < aic(best)) best = f;
  }
  return { best, fits };
}
