// Fitting one ETS model: smoothing parameters and initial states by bounded Nelder–Mead on the
// (concentrated) Gaussian likelihood, as in R's forecast::ets.
import { admissible, countParams, etsFilter, type FilterState, type ModelSpec, type SmoothParams } from "./ets.js";
import { initialStates } from "./init.js";
import { nelderMead } from "./optimize.js";

/** Usual bounds of ets (bounds = "both"). */
export const LOWER = 1e-4;
export const UPPER = 0.9999;
export const PHI_LOWER = 0.8;
export const PHI_UPPER = 0.98;

export interface FitOptions {
  maxEval: number;
  restarts: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { maxEval: 2000, restarts: 1 };

export interface FittedModel {
  spec: ModelSpec;
  par: SmoothParams;
  l0: number;
  b0: number;
  S0: Float64Array;
  /** ets "lik" criterion n·log(SSE) (+2Σlog ŷ) on the (scaled) data. */
  lik: number;
  /** -2 log-likelihood (with constants) on the scaled data. */
  m2loglik: number;
  /** number of estimated parameters including sigma. */
  k: number;
  aicc: number;
  fitted: Float64Array;
  resid: Float64Array;
  final: FilterState;
  sigma2: number;
}

const sigmoid = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (p: number): number => Math.log(p / (1 - p));
const clampU = (u: number): number => Math.max(-6, Math.min(6, u));

/** Decoder from the unconstrained optimisation vector to parameters and states. */
class Layout {
  readonly nSmooth: number;
  readonly iBeta: number;
  readonly iGamma: number;
  readonly iPhi: number;
  readonly iL: number;
  readonly iB: number;
  readonly iS: number;
  readonly size: number;
  constructor(readonly spec: ModelSpec) {
    let k = 1;
    this.iBeta = spec.trend !== "N" ? k++ : -1;
    this.iGamma = spec.season !== "N" ? k++ : -1;
    this.iPhi = spec.trend === "Ad" ? k++ : -1;
    this.nSmooth = k;
    this.iL = k++;
    this.iB = spec.trend !== "N" ? k++ : -1;
    this.iS = spec.season !== "N" ? k : -1;
    if (spec.season !== "N") k += spec.m - 1;
    this.size = k;
  }
  decode(x: Float64Array, p: SmoothParams, S: Float64Array): void {
    const alpha = LOWER + (UPPER - LOWER) * sigmoid(x[0]);
    p.alpha = alpha;
    p.beta = this.iBeta >= 0 ? alpha * (LOWER + (UPPER - LOWER) * sigmoid(x[this.iBeta])) : 0;
    p.gamma = this.iGamma >= 0 ? (1 - alpha) * (LOWER + (UPPER - LOWER) * sigmoid(x[this.iGamma])) : 0;
    p.phi = this.iPhi >= 0 ? PHI_LOWER + (PHI_UPPER - PHI_LOWER) * sigmoid(x[this.iPhi]) : 1;
    if (this.iS >= 0) {
      const m = this.spec.m;
      let sum = 0;
      for (let j = 1; j < m; j++) {
        const v = x[this.iS + j - 1];
        S[j] = v;
        sum += v;
      }
      S[0] = this.spec.season === "M" ? m - sum : -sum;
    }
  }
  encodeSmooth(p: SmoothParams, x: Float64Array): void {
    const inv = (v: number): number => clampU(logit(Math.min(Math.max((v - LOWER) / (UPPER - LOWER), 1e-6), 1 - 1e-6)));
    x[0] = inv(p.alpha);
    if (this.iBeta >= 0) x[this.iBeta] = inv(p.beta / p.alpha);
    if (this.iGamma >= 0) x[this.iGamma] = inv(p.gamma / (1 - p.alpha));
    if (this.iPhi >= 0) x[this.iPhi] = clampU(logit((p.phi - PHI_LOWER) / (PHI_UPPER - PHI_LOWER)));
  }
}

/** Sample standard deviation, 0 for fewer than 2 points. */
function sd(y: ArrayLike<number>): number {
  const n = y.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (y[i] - mean) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Fits one model to (already scaled) data. Returns null if no admissible starting point exists. */
export function fitModel(y: Float64Array, spec: ModelSpec, opts: FitOptions = DEFAULT_FIT_OPTIONS): FittedModel | null {
  const n = y.length;
  const m = spec.m;
  const lay = new Layout(spec);
  const init = initialStates(y, spec);
  const x0 = new Float64Array(lay.size);
  // starting smoothing parameters as in ets (initparam), limited away from the flat logit tails
  const alpha0 = LOWER + (0.2 * (UPPER - LOWER)) / (spec.season !== "N" ? m : 1);
  const p0: SmoothParams = { alpha: alpha0, beta: alpha0 * 0.1, gamma: (1 - alpha0) * 0.05, phi: 0.978 };
  lay.encodeSmooth(p0, x0);
  x0[lay.iL] = init.l0;
  if (lay.iB >= 0) x0[lay.iB] = init.b0;
  if (lay.iS >= 0) for (let j = 1; j < m; j++) x0[lay.iS + j - 1] = init.S[j];

  const sy = sd(y) > 0 ? sd(y) : Math.max(Math.abs(y[0]), 1) * 0.1;
  const step = new Float64Array(lay.size);
  for (let i = 0; i < lay.nSmooth; i++) step[i] = 1;
  step[lay.iL] = 0.2 * sy;
  if (lay.iB >= 0) step[lay.iB] = Math.max(0.2 * Math.abs(init.b0), (0.05 * sy) / Math.sqrt(Math.max(n, 1)));
  if (lay.iS >= 0) for (let j = 1; j < m; j++) step[lay.iS + j - 1] = 0.1 * sy;

  const par: SmoothParams = { alpha: 0, beta: 0, gamma: 0, phi: 1 };
  const S = new Float64Array(m);
  const st: FilterState = { l: 0, b: 0, S: new Float64Array(m) };
  const poly = new Float64Array(2 * (m + 3));
  const seasM = spec.season === "M";
  const objective = (x: Float64Array): number => {
    lay.decode(x, par, S);
    if (spec.season !== "N" && !admissible(spec, par, poly)) return Infinity;
    if (seasM) for (let j = 0; j < m; j++) if (!(S[j] > 1e-4)) return Infinity;
    return etsFilter(y, spec, par, x[lay.iL], lay.iB >= 0 ? x[lay.iB] : 0, S, st, null, null);
  };
  let res = nelderMead(objective, x0, { step, maxEval: opts.maxEval });
  for (let r = 0; r < opts.restarts && Number.isFinite(res.f); r++) {
    const again = nelderMead(objective, res.x, { step, maxEval: opts.maxEval });
    const improved = again.f < res.f - 1e-7 * Math.abs(res.f);
    if (again.f <= res.f) res = again;
    if (!improved) break;
  }
  if (!Number.isFinite(res.f)) return null;

  lay.decode(res.x, par, S);
  const l0 = res.x[lay.iL];
  const b0 = lay.iB >= 0 ? res.x[lay.iB] : 0;
  const fitted = new Float64Array(n);
  const resid = new Float64Array(n);
  const final: FilterState = { l: 0, b: 0, S: new Float64Array(m) };
  const lik = etsFilter(y, spec, par, l0, b0, S, final, fitted, resid);
  if (!Number.isFinite(lik)) return null;
  const np = countParams(spec);
  const k = np + 1;
  const m2loglik = lik + n * (Math.log((2 * Math.PI) / n) + 1);
  const aicc = n - k - 1 > 0 ? m2loglik + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  let sse = 0;
  for (let t = 0; t < n; t++) sse += resid[t] * resid[t];
  const sigma2 = sse / Math.max(1, n - np);
  return { spec, par: { ...par }, l0, b0, S0: S.slice(), lik, m2loglik, k, aicc, fitted, resid, final, sigma2 };
}
