// Public API of the forecasting module: ETS (Holt–Winters family) with AICc model selection.
// Pure functions, no I/O.
//
// Design (see bench/results/forecast.md for the comparison with R's forecast::ets):
// - candidates (select.ts): errors A/M × trend N/A/Ad × season N/A/M; multiplicative components only
//   for strictly positive data; seasonal models only with >= 2 full seasons and period <= 24; a
//   model only if n > parameters + 4 (ets's rule; ETS(·,N,N) from 4 points on);
// - fitting (fit.ts): likelihood inside ets's usual bounds (0<α<1, 0<β<α, 0<γ<1−α, 0.8≤φ≤0.98)
//   and admissible region (ets.ts), initial states from ets's decomposition heuristic (init.ts),
//   then Gauss–Newton over the states alternating with Nelder–Mead (optimize.ts) over the
//   smoothing parameters; multiplicative variants start from the fitted additive one;
// - selection by AICc; intervals (intervals.ts): analytic for classes 1 and 2 of Hyndman et al.
//   (2008), seeded simulation (5000 paths) for multiplicative seasonality;
// - fewer than 4 points: MEAN (Student-t interval) or, for one point, NAIVE with an assumed 50%
//   coefficient of variation; constant series: constant forecast, zero-width interval.
import { modelName } from "./ets.js";
import { ForecastInputError } from "./errors.js";
import { forecastWithIntervals } from "./intervals.js";
import { DEFAULT_SELECT_OPTIONS, selectModel, type SelectOptions } from "./select.js";
import { qnorm, qt } from "./stats.js";

export { ForecastInputError } from "./errors.js";
export { parseForecastRequest } from "./schema.js";

export interface ForecastInput {
  values: number[];
  /** Seasonal period, default 12 (monthly). */
  frequency?: number;
  /** Forecast horizon, default 3. */
  horizon?: number;
  /** Prediction interval level in percent, default 95. */
  level?: number;
  /** Seed for simulated intervals (default 42). */
  seed?: number;
}

export interface ForecastResult {
  mean: number[];
  lower: number[];
  upper: number[];
  /** e.g. "ETS(A,Ad,M)", or "MEAN", "NAIVE". */
  model: string;
  level: number;
  /** alpha, beta, gamma, phi as applicable. */
  parameters: Record<string, number>;
  aicc: number | null;
  n: number;
  /** One-step-ahead fitted values, same length as values. */
  fitted: number[];
  /** One-step-ahead prediction interval (at `level`) for each point, used to flag outliers. */
  fittedLower: number[];
  fittedUpper: number[];
  /** Innovation variance (relative for multiplicative-error models). */
  sigma2: number;
}

export interface ForecastOptions extends Partial<SelectOptions> {
  /** Widen prediction intervals with Student-t quantiles (df = n − number of parameters). Default false. */
  tIntervals?: boolean;
}

const DEFAULT_SEED = 42;

function validate(input: ForecastInput): { values: number[]; m: number; h: number; level: number; seed: number } {
  if (input === null || typeof input !== "object") throw new ForecastInputError("forecast input must be an object with a values array");
  const { values } = input;
  if (!Array.isArray(values)) throw new ForecastInputError("values must be an array of numbers");
  if (values.length === 0) throw new ForecastInputError("values is empty: at least one observation is needed to forecast");
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new ForecastInputError(`values[${i}] is not a finite number: ${String(v)}`);
  });
  const m = input.frequency ?? 12;
  if (!Number.isInteger(m) || m < 1) throw new ForecastInputError(`frequency must be an integer >= 1, got ${String(m)}`);
  const h = input.horizon ?? 3;
  if (!Number.isInteger(h) || h < 1 || h > 120) throw new ForecastInputError(`horizon must be an integer between 1 and 120, got ${String(h)}`);
  const level = input.level ?? 95;
  if (typeof level !== "number" || !(level > 0 && level < 100)) throw new ForecastInputError(`level must be a percentage strictly between 0 and 100, got ${String(level)}`);
  const seed = input.seed ?? DEFAULT_SEED;
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new ForecastInputError(`seed must be a finite number, got ${String(seed)}`);
  return { values, m, h, level, seed };
}

/** Mean forecast with Student-t intervals (n >= 2), or a naive forecast with a deliberately wide interval (n = 1). */
function simpleForecast(values: number[], h: number, level: number, kind: "MEAN" | "NAIVE"): ForecastResult {
  const n = values.length;
  const a = 0.5 + level / 200;
  if (kind === "NAIVE" || n < 2) {
    const last = values[n - 1];
    // One observation says nothing about variability: assume a 50% coefficient of variation, growing like a random walk.
    const sd = n >= 2 ? sdDiff(values) : 0.5 * Math.abs(last);
    const z = n >= 3 ? qt(a, n - 2) : qnorm(a);
    const mean = new Array<number>(h).fill(last);
    const width = (i: number): number => z * sd * Math.sqrt(i + 1);
    const fitted = values.map((_, i) => (i === 0 ? values[0] : values[i - 1]));
    return {
      mean,
      lower: mean.map((v, i) => v - width(i)),
      upper: mean.map((v, i) => v + width(i)),
      model: "NAIVE",
      level,
      parameters: {},
      aicc: null,
      n,
      fitted,
      fittedLower: fitted.map((v) => v - z * sd),
      fittedUpper: fitted.map((v) => v + z * sd),
      sigma2: sd * sd,
    };
  }
  let mu = 0;
  for (const v of values) mu += v;
  mu /= n;
  let ss = 0;
  for (const v of values) ss += (v - mu) ** 2;
  const s2 = ss / (n - 1);
  const t = qt(a, n - 1);
  const w = t * Math.sqrt(s2 * (1 + 1 / n));
  const mean = new Array<number>(h).fill(mu);
  const fitted = new Array<number>(n).fill(mu);
  return {
    mean,
    lower: mean.map((v) => v - w),
    upper: mean.map((v) => v + w),
    model: "MEAN",
    level,
    parameters: {},
    aicc: null,
    n,
    fitted,
    fittedLower: fitted.map((v) => v - w),
    fittedUpper: fitted.map((v) => v + w),
    sigma2: s2,
  };
}

function sdDiff(values: number[]): number {
  let s = 0;
  for (let i = 1; i < values.length; i++) s += (values[i] - values[i - 1]) ** 2;
  return Math.sqrt(s / Math.max(1, values.length - 1));
}

/** Scales a result computed on values / scale back to the original units. */
function rescale(r: ForecastResult, scale: number, relativeSigma: boolean): ForecastResult {
  const f = (a: number[]): number[] => a.map((v) => v * scale);
  const out: ForecastResult = {
    ...r,
    mean: f(r.mean),
    lower: f(r.lower),
    upper: f(r.upper),
    fitted: f(r.fitted),
    fittedLower: f(r.fittedLower),
    fittedUpper: f(r.fittedUpper),
    sigma2: relativeSigma ? r.sigma2 : r.sigma2 * scale * scale,
  };
  clampFinite(out);
  return out;
}

/** Values beyond the double range (only possible next to ±1.8e308) are clamped to ±Number.MAX_VALUE. */
function clampFinite(r: ForecastResult): void {
  const c = (v: number): number => (v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v);
  for (const a of [r.mean, r.lower, r.upper, r.fitted, r.fittedLower, r.fittedUpper]) for (let i = 0; i < a.length; i++) a[i] = c(a[i]);
  r.sigma2 = c(r.sigma2);
  if (r.aicc !== null && !Number.isFinite(r.aicc)) r.aicc = null;
}

function allFinite(r: ForecastResult): boolean {
  const arrs = [r.mean, r.lower, r.upper, r.fitted, r.fittedLower, r.fittedUpper];
  return arrs.every((a) => a.every((v) => Number.isFinite(v))) && Number.isFinite(r.sigma2) && (r.aicc === null || Number.isFinite(r.aicc));
}

/**
 * Forecasts a (monthly by default) series with the ETS model chosen by AICc.
 * Throws ForecastInputError on invalid input (e.g. an empty series); never returns NaN/Infinity.
 */
export function forecast(input: ForecastInput, options: ForecastOptions = {}): ForecastResult {
  const { values, m, h, level, seed } = validate(input);
  const n = values.length;
  // work on values / scale (overflow-safe mean |y|) so that huge or tiny magnitudes behave alike
  let maxAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    maxAbs = Math.max(maxAbs, Math.abs(v));
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (n >= 2 && (maxAbs === 0 || max - min <= 1e-12 * maxAbs)) {
    // constant series: constant forecast, zero-width (finite) intervals
    const c = values[n - 1];
    const mean = new Array<number>(h).fill(c);
    const fitted = new Array<number>(n).fill(c);
    return { mean, lower: [...mean], upper: [...mean], model: "MEAN", level, parameters: {}, aicc: null, n, fitted, fittedLower: [...fitted], fittedUpper: [...fitted], sigma2: 0 };
  }
  let rel = 0;
  for (const v of values) rel += Math.abs(v) / maxAbs;
  let scale = (rel / n) * maxAbs;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = maxAbs > 0 ? maxAbs : 1;
  const scaled = values.map((v) => v / scale);
  if (n < 4) return rescale(simpleForecast(scaled, h, level, n === 1 ? "NAIVE" : "MEAN"), scale, false);

  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = scaled[i];
  const opts: SelectOptions & { tIntervals?: boolean } = { ...DEFAULT_SELECT_OPTIONS, ...options };
  const sel = selectModel(y, m, opts);
  if (sel === null) return rescale(simpleForecast(scaled, h, level, "MEAN"), scale, false);
  const best = sel.best;
  const spec = best.spec;
  // optional small-sample widening: Student-t instead of normal quantiles, df = n - parameters
  let ivSigma2 = best.sigma2;
  if (opts.tIntervals) {
    const a = 0.5 + level / 200;
    const df = Math.max(1, n - (best.k - 1));
    const ratio = qt(a, df) / qnorm(a);
    if (Number.isFinite(ratio) && ratio > 1) ivSigma2 *= ratio * ratio;
  }
  const iv = forecastWithIntervals(spec, best.par, best.final, n, ivSigma2, h, level, seed);
  const z = qnorm(0.5 + level / 200);
  const sigma = Math.sqrt(best.sigma2);
  const fitted = Array.from(best.fitted, (v) => v * scale);
  const errM = spec.error === "M";
  const parameters: Record<string, number> = { alpha: best.par.alpha };
  if (spec.trend !== "N") parameters.beta = best.par.beta;
  if (spec.season !== "N") parameters.gamma = best.par.gamma;
  if (spec.trend === "Ad") parameters.phi = best.par.phi;
  const result: ForecastResult = {
    mean: iv.mean.map((v) => v * scale),
    lower: iv.lower.map((v) => v * scale),
    upper: iv.upper.map((v) => v * scale),
    model: modelName(spec),
    level,
    parameters,
    aicc: Number.isFinite(best.aicc) ? best.aicc + 2 * n * Math.log(scale) : null,
    n,
    fitted,
    fittedLower: fitted.map((f) => (errM ? f * (1 - z * sigma) : f - z * sigma * scale)),
    fittedUpper: fitted.map((f) => (errM ? f * (1 + z * sigma) : f + z * sigma * scale)),
    sigma2: errM ? best.sigma2 : best.sigma2 * scale * scale,
  };
  clampFinite(result);
  if (!allFinite(result)) return rescale(simpleForecast(scaled, h, level, "MEAN"), scale, false);
  return result;
}
