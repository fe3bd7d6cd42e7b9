// Fitting one ETS model: smoothing parameters and initial states by maximum likelihood (the ets
// criterion n·log SSE [+ 2Σlog ŷ]) inside ets's usual bounds and admissible region.
//
// Default method ("cd", block coordinate descent): starting from the decomposition heuristic for
// the states, alternate
//   - Gauss–Newton over all initial states (l0, b0, s_1..s_{m-1}) with the smoothing parameters
//     fixed: exact least squares in one step for linear models, a few chord steps otherwise; and
//   - Nelder–Mead over the (logit-transformed) smoothing parameters with the states fixed,
// two cycles. This reaches better optima than a joint Nelder–Mead over 14–17 dimensions (what ets
// does) at a fraction of the cost. The "nm" method (joint Nelder–Mead) is kept for comparison.
import { admissible, countParams, etsFilter, type FilterState, type ModelSpec, type SmoothParams } from "./ets.js";
import { initialStates } from "./init.js";
import { nelderMead } from "./optimize.js";
import { cholFactor, cholSolveFactored } from "./stats.js";

/** Usual bounds of ets (bounds = "both"). */
export const LOWER = 1e-4;
export const UPPER = 0.9999;
export const PHI_LOWER = 0.8;
export const PHI_UPPER = 0.98;

export interface FitOptions {
  /** Max objective evaluations per Nelder–Mead run. */
  maxEval: number;
  /** Extra Nelder–Mead restarts from the best point (stops early when no improvement). */
  restarts: number;
  /**
   * Seasonal models: the first stage optimises smoothing parameters, l0 and b0 with the seasonal
   * initial states fixed at the decomposition heuristic; then all parameters and states are
   * polished jointly with at most this many evaluations (0 = keep the heuristic seasonal states).
   */
  polishEval: number;
  /**
   * "cd": alternate Nelder–Mead over the smoothing parameters with Gauss–Newton steps over all
   * initial states (then an optional joint polish of polishEval evaluations).
   * "nm": Nelder–Mead only (staged as described for polishEval).
   */
  method: "cd" | "nm";
  /** Max number of NM/Gauss–Newton cycles for method "cd". */
  cycles: number;
  /** Number of starting points for the smoothing parameters with method "cd" (1 or 2). */
  starts: number;
  /** Relative tolerance of the Nelder–Mead runs over the smoothing parameters. */
  relTol: number;
  /** Use coordinate descent for non-seasonal models too (else plain Nelder–Mead on all parameters). */
  cdNonSeasonal: boolean;
  /** With starts = 1: ets's starting values ("ets") or moderate smoothing ("alt"). */
  singleStart: "ets" | "alt";
  /** Upper bound for gamma / (1 - alpha) (ets: 0.9999). */
  gammaStarMax: number;
  /** The "alt" starting point: alpha, beta/alpha, gamma/(1-alpha), phi. */
  altStart: { alpha: number; betaStar: number; gammaStar: number; phi: number };
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { maxEval: 300, restarts: 1, polishEval: 0, method: "cd", cycles: 1, starts: 1, relTol: 1e-5, singleStart: "alt", cdNonSeasonal: true, gammaStarMax: UPPER, altStart: { alpha: 0.3, betaStar: 0.05, gammaStar: 0.1, phi: 0.9 } };

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
  /** `fixedS`: seasonal initial states held fixed (not part of the optimisation vector). */
  constructor(
    readonly spec: ModelSpec,
    readonly fixedS: Float64Array | null = null,
    /** upper bound of gamma / (1 - alpha) */
    readonly gammaStarMax = UPPER,
  ) {
    let k = 1;
    this.iBeta = spec.trend !== "N" ? k++ : -1;
    this.iGamma = spec.season !== "N" ? k++ : -1;
    this.iPhi = spec.trend === "Ad" ? k++ : -1;
    this.nSmooth = k;
    this.iL = k++;
    this.iB = spec.trend !== "N" ? k++ : -1;
    this.iS = spec.season !== "N" && fixedS === null ? k : -1;
    if (this.iS >= 0) k += spec.m - 1;
    this.size = k;
  }
  decode(x: Float64Array, p: SmoothParams, S: Float64Array): void {
    const alpha = LOWER + (UPPER - LOWER) * sigmoid(x[0]);
    p.alpha = alpha;
    p.beta = this.iBeta >= 0 ? alpha * (LOWER + (UPPER - LOWER) * sigmoid(x[this.iBeta])) : 0;
    p.gamma = this.iGamma >= 0 ? (1 - alpha) * (LOWER + (this.gammaStarMax - LOWER) * sigmoid(x[this.iGamma])) : 0;
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
    } else if (this.fixedS !== null) {
      S.set(this.fixedS);
    }
  }
  encodeSmooth(p: SmoothParams, x: Float64Array): void {
    const inv = (v: number): number => clampU(logit(Math.min(Math.max((v - LOWER) / (UPPER - LOWER), 1e-6), 1 - 1e-6)));
    x[0] = inv(p.alpha);
    if (this.iBeta >= 0) x[this.iBeta] = inv(p.beta / p.alpha);
    if (this.iGamma >= 0) x[this.iGamma] = clampU(logit(Math.min(Math.max((p.gamma / (1 - p.alpha) - LOWER) / (this.gammaStarMax - LOWER), 1e-6), 1 - 1e-6)));
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
export function fitModel(y: Float64Array, spec: ModelSpec, opts: FitOptions = DEFAULT_FIT_OPTIONS, warm: FittedModel | null = null): FittedModel | null {
  const n = y.length;
  const m = spec.m;
  const init = initialStates(y, spec);
  const seasonal = spec.season !== "N";
  const staged = seasonal && opts.polishEval >= 0;
  const full = new Layout(spec, null, opts.gammaStarMax);
  const lay1 = staged ? new Layout(spec, init.S, opts.gammaStarMax) : full;
  const x0 = new Float64Array(lay1.size);
  // starting smoothing parameters as in ets (initparam), limited away from the flat logit tails
  const alpha0 = LOWER + (0.2 * (UPPER - LOWER)) / (seasonal ? m : 1);
  const p0: SmoothParams = { alpha: alpha0, beta: alpha0 * 0.1, gamma: (1 - alpha0) * 0.05, phi: 0.978 };
  lay1.encodeSmooth(p0, x0);
  x0[lay1.iL] = init.l0;
  if (lay1.iB >= 0) x0[lay1.iB] = init.b0;
  if (lay1.iS >= 0) for (let j = 1; j < m; j++) x0[lay1.iS + j - 1] = init.S[j];

  const sy = sd(y) > 0 ? sd(y) : Math.max(Math.abs(y[0]), 1) * 0.1;
  const stepFor = (lay: Layout): Float64Array => {
    const step = new Float64Array(lay.size);
    for (let i = 0; i < lay.nSmooth; i++) step[i] = 1;
    step[lay.iL] = 0.2 * sy;
    if (lay.iB >= 0) step[lay.iB] = Math.max(0.2 * Math.abs(init.b0), (0.05 * sy) / Math.sqrt(Math.max(n, 1)));
    if (lay.iS >= 0) for (let j = 1; j < m; j++) step[lay.iS + j - 1] = 0.1 * sy;
    return step;
  };

  const par: SmoothParams = { alpha: 0, beta: 0, gamma: 0, phi: 1 };
  const S = new Float64Array(m);
  const st: FilterState = { l: 0, b: 0, S: new Float64Array(m) };
  const poly = new Float64Array(2 * (m + 3));
  const seasM = spec.season === "M";
  const objectiveFor = (lay: Layout, checkAdmissible = true) =>
    function objective(x: Float64Array): number {
      lay.decode(x, par, S);
      if (checkAdmissible && seasonal && !admissible(spec, par, poly)) return Infinity;
      if (seasM) for (let j = 0; j < m; j++) if (!(S[j] > 1e-4)) return Infinity;
      return etsFilter(y, spec, par, x[lay.iL], lay.iB >= 0 ? x[lay.iB] : 0, S, st, null, null);
    };
  const run = (lay: Layout, start: Float64Array, maxEval: number, restarts: number) => {
    const objective = objectiveFor(lay);
    const step = stepFor(lay);
    let res = nelderMead(objective, start, { step, maxEval, relTol: opts.relTol });
    for (let r = 0; r < restarts && Number.isFinite(res.f); r++) {
      const again = nelderMead(objective, res.x, { step, maxEval, relTol: opts.relTol });
      const improved = again.f < res.f - 1e-7 * Math.abs(res.f);
      if (again.f <= res.f) res = again;
      if (!improved) break;
    }
    return res;
  };
  let res: { x: Float64Array; f: number };
  let lay = lay1;
  if ((seasonal || opts.cdNonSeasonal) && opts.method === "cd") {
    lay = full;
    const residFn = (x: Float64Array, r: Float64Array): number => {
      full.decode(x, par, S);
      return etsFilter(y, spec, par, x[full.iL], full.iB >= 0 ? x[full.iB] : 0, S, st, null, r);
    };
    const linear = spec.error === "A" && spec.season !== "M";
    const cd = (xs: Float64Array, cycles: number) =>
      coordinateDescent(full, objectiveFor(full), objectiveFor(full, false), xs, stepFor(full), opts, residFn, n, linear, cycles);
    if (warm !== null && warm.spec.season !== "N") {
      // warm start from a fitted relative (same trend, additive season): one start only
      const xs = x0full(full, lay1, x0, init.S, m);
      full.encodeSmooth({ alpha: warm.par.alpha, beta: spec.trend !== "N" && warm.spec.trend !== "N" ? warm.par.beta : warm.par.alpha * 0.1, gamma: warm.par.gamma, phi: warm.spec.trend === "Ad" ? warm.par.phi : 0.95 }, xs);
      xs[full.iL] = warm.l0;
      if (full.iB >= 0) xs[full.iB] = warm.spec.trend !== "N" ? warm.b0 : 0;
      const Sw = new Float64Array(m);
      if (spec.season === warm.spec.season) Sw.set(warm.S0);
      else {
        // additive -> multiplicative seasonal states, normalised to mean 1
        const lev = Math.abs(warm.l0) > 1e-8 ? warm.l0 : 1;
        let sum = 0;
        for (let j = 0; j < m; j++) sum += (Sw[j] = Math.max(1e-2, 1 + warm.S0[j] / lev));
        for (let j = 0; j < m; j++) Sw[j] *= m / sum;
      }
      for (let j = 1; j < m; j++) xs[full.iS + j - 1] = Sw[j];
      res = cd(xs, opts.cycles);
      if (!Number.isFinite(res.f)) res = cd(x0full(full, lay1, x0, init.S, m), opts.cycles);
    } else if (opts.starts > 1) {
      // race two starting points for one cycle, then continue with the better one
      res = cd(x0full(full, lay1, x0, init.S, m), 1);
      const xs = x0full(full, lay1, x0, init.S, m);
      full.encodeSmooth(altParams(opts), xs);
      const res2 = cd(xs, 1);
      if (res2.f < res.f) res = res2;
      if (opts.cycles > 1 && Number.isFinite(res.f)) {
        const res3 = cd(res.x, opts.cycles - 1);
        if (res3.f <= res.f) res = res3;
      }
    } else {
      const xs = x0full(full, lay1, x0, init.S, m);
      if (opts.singleStart === "alt") full.encodeSmooth(altParams(opts), xs);
      res = cd(xs, opts.cycles);
    }
  } else {
    res = run(lay1, x0, opts.maxEval, opts.restarts);
    if (staged && opts.polishEval > 0 && Number.isFinite(res.f)) {
      const res2 = run(full, x0full(full, lay1, res.x, init.S, m), opts.polishEval, 0);
      if (res2.f <= res.f) {
        res = res2;
        lay = full;
      }
    }
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

/** Full optimisation vector from a fixed-season one (smoothing params, l0, b0 keep their positions). */
function x0full(full: Layout, lay1: Layout, x: Float64Array, S: Float64Array, m: number): Float64Array {
  const xf = new Float64Array(full.size);
  for (let i = 0; i < lay1.size; i++) xf[i] = x[i];
  if (full.iS >= 0 && lay1.iS < 0) for (let j = 1; j < m; j++) xf[full.iS + j - 1] = S[j];
  else for (let i = lay1.size; i < full.size; i++) xf[i] = x[i];
  return xf;
}

/**
 * Block coordinate descent: Nelder–Mead over the smoothing parameters (states fixed), then
 * Gauss–Newton (Levenberg-damped, with a backtracking line search on the likelihood) over all
 * initial states (smoothing parameters fixed); repeated until the likelihood stops improving.
 * `resid(x, r)` runs the filter, writes residuals to r and returns the criterion.
 */
function coordinateDescent(
  lay: Layout,
  objective: (x: Float64Array) => number,
  /** same as objective, without the admissibility check (smoothing parameters unchanged) */
  objectiveStates: (x: Float64Array) => number,
  xStart: Float64Array,
  step: Float64Array,
  opts: FitOptions,
  resid: (x: Float64Array, r: Float64Array) => number,
  n: number,
  /** residuals affine in the states: one Gauss–Newton step is exact */
  linear: boolean,
  cycles: number,
): { x: Float64Array; f: number } {
  const size = lay.size;
  const ns = lay.nSmooth;
  const k = size - ns;
  const x = Float64Array.from(xStart);
  const xt = new Float64Array(size);
  const sub = new Float64Array(ns);
  const subStep = step.subarray(0, ns);
  const smoothObj = (u: Float64Array): number => {
    for (let i = 0; i < ns; i++) x[i] = u[i];
    return objective(x);
  };
  const r0 = new Float64Array(n);
  const r1 = new Float64Array(n);
  const J = new Float64Array(n * k);
  const A = new Float64Array(k * k);
  const g = new Float64Array(k);
  let f = objective(x);
  const L = new Float64Array(k * k);
  const delta = new Float64Array(k);
  const gaussNewton = (): void => {
    // Gauss–Newton with the Jacobian computed once per call (chord method for nonlinear models)
    const iters = linear ? 1 : 3;
    for (let iter = 0; iter < iters; iter++) {
      const fr = resid(x, r0);
      if (!Number.isFinite(fr)) return;
      if (iter === 0) {
        // forward-difference Jacobian of the residuals w.r.t. the states
        for (let c = 0; c < k; c++) {
          const ic = ns + c;
          const h = 1e-6 * Math.max(1, Math.abs(x[ic]));
          const keep = x[ic];
          x[ic] = keep + h;
          const fc = resid(x, r1);
          x[ic] = keep;
          if (!Number.isFinite(fc)) return;
          const inv = 1 / h;
          for (let t = 0; t < n; t++) J[t * k + c] = (r1[t] - r0[t]) * inv;
        }
        // J'J (+ tiny ridge), factorised once
        A.fill(0);
        for (let t = 0; t < n; t++) {
          const o = t * k;
          for (let a = 0; a < k; a++) {
            const ja = J[o + a];
            if (ja === 0) continue;
            for (let b = 0; b <= a; b++) A[a * k + b] += ja * J[o + b];
          }
        }
        for (let a = 0; a < k; a++) A[a * k + a] = A[a * k + a] * (1 + 1e-8) + 1e-12;
        cholFactor(A, L, k);
      }
      g.fill(0);
      for (let t = 0; t < n; t++) {
        const o = t * k;
        const rt = r0[t];
        for (let a = 0; a < k; a++) g[a] -= J[o + a] * rt;
      }
      cholSolveFactored(L, g, delta, k);
      let tstep = 1;
      let accepted = false;
      for (let ls = 0; ls < 8; ls++) {
        xt.set(x);
        for (let c = 0; c < k; c++) xt[ns + c] = x[ns + c] + tstep * delta[c];
        const ft = objectiveStates(xt);
        if (ft < f) {
          x.set(xt);
          const gain = f - ft;
          f = ft;
          accepted = true;
          if (gain < 1e-4) return;
          break;
        }
        tstep *= 0.5;
      }
      if (!accepted) return;
    }
  };
  if (!Number.isFinite(f)) {
    // heuristic start not admissible: let Nelder–Mead on everything find a feasible point first
    const r = nelderMead(objective, x, { step, maxEval: opts.maxEval });
    x.set(r.x);
    f = r.f;
    if (!Number.isFinite(f)) return { x, f };
  }
  gaussNewton();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const fBefore = f;
    for (let i = 0; i < ns; i++) sub[i] = x[i];
    const r = nelderMead(smoothObj, sub, { step: subStep, maxEval: cycle === 0 ? opts.maxEval : Math.ceil(opts.maxEval / 2), relTol: opts.relTol });
    if (r.f <= f) {
      for (let i = 0; i < ns; i++) x[i] = r.x[i];
      f = r.f;
    } else {
      for (let i = 0; i < ns; i++) x[i] = sub[i];
    }
    gaussNewton();
    if (fBefore - f < 1e-3) break;
  }
  if (opts.polishEval > 0) {
    const r = nelderMead(objective, x, { step, maxEval: opts.polishEval });
    if (r.f <= f) {
      x.set(r.x);
      f = r.f;
    }
  }
  return { x, f };
}

function altParams(opts: FitOptions): SmoothParams {
  const a = opts.altStart;
  return { alpha: a.alpha, beta: a.alpha * a.betaStar, gamma: (1 - a.alpha) * a.gammaStar, phi: a.phi };
}
