// Prediction intervals: analytic for Hyndman et al. (2008) classes 1 and 2, seeded simulation
// otherwise (class 3: multiplicative seasonality), so results are deterministic.
import { etsPointForecast, type FilterState, type ModelSpec, type SmoothParams } from "./ets.js";
import { makeNormal, makeRng, qnorm, quantileSelect } from "./stats.js";

/** c_j = α + β·φ_j + γ·d_{j,m}, j = 1..h-1 (coefficients of the MA(∞) representation). */
function cCoefs(spec: ModelSpec, p: SmoothParams, h: number): Float64Array {
  const c = new Float64Array(Math.max(0, h - 1));
  const phi = spec.trend === "Ad" ? p.phi : 1;
  let phiPow = 1;
  let phiSum = 0;
  for (let j = 1; j < h; j++) {
    phiPow *= phi;
    phiSum += phiPow;
    let v = p.alpha;
    if (spec.trend === "A") v += p.beta * j;
    else if (spec.trend === "Ad") v += p.beta * phiSum;
    if (spec.season !== "N" && j % spec.m === 0) v += p.gamma;
    c[j - 1] = v;
  }
  return c;
}

/** Class 1 (linear, additive errors): forecast variances v_1..v_h. */
export function class1Variance(spec: ModelSpec, p: SmoothParams, sigma2: number, h: number): number[] {
  const c = cCoefs(spec, p, h);
  const v: number[] = new Array(h);
  let acc = 0;
  for (let i = 0; i < h; i++) {
    if (i > 0) acc += c[i - 1] * c[i - 1];
    v[i] = sigma2 * (1 + acc);
  }
  return v;
}

/** Class 2 (multiplicative errors, additive trend/season): forecast variances given the point forecasts mu. */
export function class2Variance(spec: ModelSpec, p: SmoothParams, sigma2: number, mu: number[]): number[] {
  const h = mu.length;
  const c = cCoefs(spec, p, h);
  const theta = new Float64Array(h);
  const v: number[] = new Array(h);
  for (let i = 0; i < h; i++) {
    let s = 0;
    for (let j = 1; j <= i; j++) s += c[j - 1] * c[j - 1] * theta[i - j];
    theta[i] = mu[i] * mu[i] + sigma2 * s;
    v[i] = Math.max(0, (1 + sigma2) * theta[i] - mu[i] * mu[i]);
  }
  return v;
}

export function isClass1(spec: ModelSpec): boolean {
  return spec.error === "A" && spec.season !== "M";
}
export function isClass2(spec: ModelSpec): boolean {
  return spec.error === "M" && spec.season !== "M";
}

/** Simulated quantile intervals from the final state (npaths sample paths, seeded). */
export function simulateIntervals(
  spec: ModelSpec,
  p: SmoothParams,
  st: FilterState,
  next: number,
  sigma2: number,
  h: number,
  level: number,
  seed: number,
  npaths = 5000,
): { lower: number[]; upper: number[] } {
  const m = spec.m;
  const rnorm = makeNormal(makeRng(seed));
  const sigma = Math.sqrt(Math.max(sigma2, 0));
  const sims = new Float64Array(npaths * h);
  const S = new Float64Array(m);
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const hasTrend = spec.trend !== "N";
  const betaStar = hasTrend ? p.beta / p.alpha : 0;
  const seasonType = spec.season === "N" ? 0 : spec.season === "A" ? 1 : 2;
  const errM = spec.error === "M";
  const alpha = p.alpha;
  const gamma = p.gamma;
  const S0 = st.S;
  const l0 = st.l;
  const b0 = hasTrend ? st.b : 0;
  const j0 = next % m;
  for (let k = 0; k < npaths; k++) {
    if (seasonType !== 0) for (let j = 0; j < m; j++) S[j] = S0[j];
    let l = l0;
    let b = b0;
    let j = j0;
    for (let i = 0; i < h; i++) {
      const phib = phi * b;
      const q = l + phib;
      const s = seasonType === 0 ? 0 : S[j];
      const yhat = seasonType === 1 ? q + s : seasonType === 2 ? q * s : q;
      const e = sigma * rnorm();
      const y = errM ? yhat * (1 + e) : yhat + e;
      sims[i * npaths + k] = y;
      let pp = y;
      if (seasonType === 1) pp = y - s;
      else if (seasonType === 2) pp = Math.abs(s) > 1e-10 ? y / s : q;
      const lNew = q + alpha * (pp - q);
      if (hasTrend) b = phib + betaStar * (lNew - l - phib);
      if (seasonType === 1) S[j] = s + gamma * (y - q - s);
      else if (seasonType === 2) S[j] = Math.abs(q) > 1e-10 ? s + gamma * (y / q - s) : s;
      l = lNew;
      if (++j === m) j = 0;
    }
  }
  const lower: number[] = new Array(h);
  const upper: number[] = new Array(h);
  const a = (1 - level / 100) / 2;
  for (let i = 0; i < h; i++) {
    const col = sims.subarray(i * npaths, (i + 1) * npaths);
    lower[i] = quantileSelect(col, a);
    upper[i] = quantileSelect(col, 1 - a);
  }
  return { lower, upper };
}

export interface Intervals {
  mean: number[];
  lower: number[];
  upper: number[];
}

/** Point forecasts and prediction intervals for a fitted model's final state. */
export function forecastWithIntervals(
  spec: ModelSpec,
  p: SmoothParams,
  st: FilterState,
  next: number,
  sigma2: number,
  h: number,
  level: number,
  seed: number,
): Intervals {
  const mean = etsPointForecast(spec, p, st, next, h);
  const z = qnorm(0.5 + level / 200);
  if (isClass1(spec) || isClass2(spec)) {
    const v = isClass1(spec) ? class1Variance(spec, p, sigma2, h) : class2Variance(spec, p, sigma2, mean);
    return {
      mean,
      lower: mean.map((mu, i) => mu - z * Math.sqrt(v[i])),
      upper: mean.map((mu, i) => mu + z * Math.sqrt(v[i])),
    };
  }
  const sim = simulateIntervals(spec, p, st, next, sigma2, h, level, seed);
  return { mean, lower: sim.lower, upper: sim.upper };
}
