// ETS state-space recursions (Hyndman, Koehler, Ord & Snyder 2008), written in the
// "Holt–Winters update" form used by R's forecast::ets (etscalc.c): the state updates are the
// same for additive and multiplicative errors; only the likelihood differs.
// The inner loop is allocation-free and works on Float64Arrays.

export type ErrorType = "A" | "M";
export type TrendType = "N" | "A" | "Ad";
export type SeasonType = "N" | "A" | "M";

export interface ModelSpec {
  error: ErrorType;
  trend: TrendType;
  season: SeasonType;
  /** Seasonal period (1 when season is "N"). */
  m: number;
}

export function modelName(s: ModelSpec): string {
  return `ETS(${s.error},${s.trend},${s.season})`;
}

/** Number of free parameters (smoothing parameters + initial states), excluding sigma. */
export function countParams(s: ModelSpec): number {
  let k = 2; // alpha, l0
  if (s.trend !== "N") k += 2; // beta, b0
  if (s.trend === "Ad") k += 1; // phi
  if (s.season !== "N") k += s.m; // gamma + (m-1) seasonal states
  return k;
}

/** Smoothing parameters in R's ets parametrisation (beta is not beta*: 0 < beta < alpha). */
export interface SmoothParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/**
 * Filter state. `S` holds the seasonal states in calendar order: S[j] is the seasonal component
 * used at every time index t with t % m === j (relative to the series start).
 */
export interface FilterState {
  l: number;
  b: number;
  S: Float64Array;
}

const TINY = 1e-10;

let scratch = new Float64Array(64);
function scratchResid(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** Counters for profiling (number of filter passes); cheap enough to keep. */
export const etsCounters = { filterCalls: 0, storeCalls: 0 };

/**
 * Runs the ETS filter over y. Starts from l0, b0 and seasonal states seas0 (length m, calendar
 * order), leaves the final state in `out`. Returns the ets "lik" criterion:
 *   n·log(SSE) (+ 2·Σ log|ŷ_t| for multiplicative errors)
 * or Infinity if the recursion breaks down (non-positive forecasts in multiplicative models,
 * non-finite values). Optionally writes one-step fitted values and residuals (e_t; relative for
 * multiplicative errors).
 */
export function etsFilter(
  y: Float64Array,
  spec: ModelSpec,
  p: SmoothParams,
  l0: number,
  b0: number,
  seas0: Float64Array,
  out: FilterState,
  fitted: Float64Array | null,
  resid: Float64Array | null,
): number {
  etsCounters.filterCalls++;
  const n = y.length;
  const m = spec.m;
  const errM = spec.error === "M";
  const hasTrend = spec.trend !== "N";
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const seasonType = spec.season === "N" ? 0 : spec.season === "A" ? 1 : 2;
  const alpha = p.alpha;
  const betaStar = hasTrend ? p.beta / alpha : 0;
  const gamma = p.gamma;
  const S = out.S;
  if (seasonType !== 0) for (let j = 0; j < m; j++) S[j] = seas0[j];
  if (fitted === null) {
    // fast specialised kernels (objective evaluations): no trend == phi 0 and beta* 0
    const ph = hasTrend ? phi : 0;
    const b00 = hasTrend ? b0 : 0;
    let lik: number;
    const r = resid !== null && resid.length >= y.length ? resid : scratchResid(y.length);
    if (seasonType === 0) lik = errM ? kernMN(y, alpha, betaStar, ph, l0, b00, r) : kernAN(y, alpha, betaStar, ph, l0, b00, r);
    else if (seasonType === 1) lik = errM ? kernMA(y, m, alpha, betaStar, gamma, ph, l0, b00, S, r) : kernAA(y, m, alpha, betaStar, gamma, ph, l0, b00, S, r);
    else lik = errM ? kernMM(y, m, alpha, betaStar, gamma, ph, l0, b00, S, r) : kernAM(y, m, alpha, betaStar, gamma, ph, l0, b00, S, r);
    return Number.isFinite(lik) ? lik : Infinity;
  }
  let l = l0;
  let b = hasTrend ? b0 : 0;
  let sse = 0;
  // Σ log ŷ accumulated as a product, renormalised rarely (one log per ~dozens of steps)
  let prod = 1;
  let sumLog = 0;
  let j = 0;
  const store = fitted !== null || resid !== null;
  if (store) etsCounters.storeCalls++;
  for (let t = 0; t < n; t++) {
    const yt = y[t];
    const phib = phi * b;
    const q = l + phib;
    let s = 0;
    let yhat = q;
    let pp = yt;
    if (seasonType === 1) {
      s = S[j];
      yhat = q + s;
      pp = yt - s;
    } else if (seasonType === 2) {
      s = S[j];
      if (!(s > TINY || s < -TINY)) return Infinity;
      yhat = q * s;
      pp = yt / s;
    }
    let e: number;
    if (errM) {
      if (!(yhat > TINY)) return Infinity;
      e = (yt - yhat) / yhat;
      prod *= yhat;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
    } else {
      e = yt - yhat;
    }
    sse += e * e;
    if (store) {
      if (fitted !== null) fitted[t] = yhat;
      if (resid !== null) resid[t] = e;
    }
    const lNew = q + alpha * (pp - q);
    if (hasTrend) b = phib + betaStar * (lNew - l - phib);
    if (seasonType === 1) {
      S[j] = s + gamma * (yt - q - s);
    } else if (seasonType === 2) {
      if (!(q > TINY || q < -TINY)) return Infinity;
      S[j] = s + gamma * (yt / q - s);
    }
    l = lNew;
    if (++j === m) j = 0;
  }
  if (errM) sumLog += Math.log(prod);
  out.l = l;
  out.b = b;
  if (!(sse > 0)) sse = 1e-300;
  let lik = n * Math.log(sse);
  if (errM) lik += 2 * sumLog;
  return Number.isFinite(lik) ? lik : Infinity;
}

/**
 * Point forecasts for h steps from a final state. `next` = the time index (n) of the first
 * forecast, used to pick the seasonal state.
 */
export function etsPointForecast(spec: ModelSpec, p: SmoothParams, st: FilterState, next: number, h: number): number[] {
  const m = spec.m;
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const out: number[] = new Array(h);
  let phiSum = phi;
  let phiPow = phi;
  for (let i = 0; i < h; i++) {
    let f = st.l;
    if (spec.trend !== "N") f += (spec.trend === "Ad" ? phiSum : i + 1) * st.b;
    if (spec.season !== "N") {
      const s = st.S[(next + i) % m];
      f = spec.season === "A" ? f + s : f * s;
    }
    out[i] = f;
    phiPow *= phi;
    phiSum += phiPow;
  }
  return out;
}

/**
 * Admissibility (forecastability) region of R's ets (`admissible()`), including the check that
 * the characteristic polynomial of seasonal models has all roots inside the unit circle, done
 * here with the Schur–Cohn recursion instead of polyroot. `poly` is scratch space of length >= 2(m+2).
 */
export function admissible(spec: ModelSpec, p: SmoothParams, poly: Float64Array): boolean {
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const alpha = p.alpha;
  if (phi < 0 || phi > 1 + 1e-8) return false;
  if (spec.season === "N") {
    if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return false;
    if (spec.trend !== "N") {
      const beta = p.beta;
      if (beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha)) return false;
    }
    return true;
  }
  const m = spec.m;
  const beta = spec.trend === "N" ? 0 : p.beta;
  const gamma = p.gamma;
  if (gamma < Math.max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha) return false;
  if (alpha < 1 - 1 / phi - (gamma * (1 - m + phi + phi * m)) / (2 * phi * m)) return false;
  if (beta < -(1 - phi) * (gamma / m + alpha)) return false;
  // P(z) = phi(1-a-g) + (a+b-a·phi+g-1) z + Σ_{k=2}^{m-1} (a+b-a·phi) z^k + (a+b-phi) z^m + z^{m+1}
  const deg = m + 1;
  const c = alpha + beta - alpha * phi;
  poly[0] = phi * (1 - alpha - gamma);
  poly[1] = c + gamma - 1;
  for (let k = 2; k < m; k++) poly[k] = c;
  poly[m] = alpha + beta - phi;
  poly[deg] = 1;
  // ets accepts roots up to modulus 1 + 1e-10: test P(z·(1+1e-10)) for roots strictly inside.
  // This matters: without a trend (phi = 1, beta = 0) P(1) = 0, so one root is always exactly 1.
  const r = 1 + 1e-10;
  let rk = r;
  for (let k = 1; k <= deg; k++) {
    poly[k] *= rk;
    rk *= r;
  }
  return schurStable(poly, deg);
}

/**
 * True if all roots of Σ a_k z^k (degree n) lie strictly inside the unit circle (Schur–Cohn).
 * `a` must have length >= 2(n+1); its contents are destroyed (second half is scratch).
 */
function schurStable(a: Float64Array, n: number): boolean {
  // ping-pong between the two halves of `a`; rescale only when magnitudes drift far from 1
  let src = 0;
  let dst = n + 1;
  let deg = n;
  while (deg > 0) {
    const an = a[src + deg];
    const a0 = a[src];
    if (!(Math.abs(a0) < Math.abs(an))) return false;
    // r_i = a_n a_{i+1} - a_0 a_{deg-1-i}, i = 0..deg-1
    for (let i = 0; i < deg; i++) a[dst + i] = an * a[src + i + 1] - a0 * a[src + deg - 1 - i];
    deg--;
    const lead = Math.abs(a[dst + deg]);
    if (!(lead > 0) || !Number.isFinite(lead)) return false;
    if (lead < 1e-100 || lead > 1e100) {
      const inv = 1 / lead;
      for (let i = 0; i <= deg; i++) a[dst + i] *= inv;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return true;
}

// ---- specialised filter kernels (hot path of the optimiser) ----
// kern<error><season>: return the criterion and always write residuals to r (an unconditional
// store is cheaper than a branch); separate loops with and without trend, since the trend
// recursion lengthens the loop-carried dependency chain. phi = 0 means "no trend".

function finish(n: number, sse: number): number {
  return n * Math.log(sse > 0 ? sse : 1e-300);
}

function kernAN(y: Float64Array, alpha: number, bs: number, phi: number, l: number, b: number, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      const e = yt - q;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - q);
      b = phib + bs * (lNew - l - phib);
      l = lNew;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      const e = yt - q;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - q);
      l = lNew;
    }
  }
  return finish(n, sse);
}

function kernMN(y: Float64Array, alpha: number, bs: number, phi: number, l: number, b: number, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  let prod = 1;
  let sumLog = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      if (!(q > TINY)) return Infinity;
      const e = (yt - q) / q;
      prod *= q;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - q);
      b = phib + bs * (lNew - l - phib);
      l = lNew;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      if (!(q > TINY)) return Infinity;
      const e = (yt - q) / q;
      prod *= q;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - q);
      l = lNew;
    }
  }
  return finish(n, sse) + 2 * (sumLog + Math.log(prod));
}

function kernAA(y: Float64Array, m: number, alpha: number, bs: number, gamma: number, phi: number, l: number, b: number, S: Float64Array, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  let j = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      const s = S[j];
      const yhat = q + s;
      const e = yt - yhat;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - s - q);
      b = phib + bs * (lNew - l - phib);
      S[j] = s + gamma * (yt - q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      const s = S[j];
      const yhat = q + s;
      const e = yt - yhat;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - s - q);
      S[j] = s + gamma * (yt - q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  }
  return finish(n, sse);
}

function kernMA(y: Float64Array, m: number, alpha: number, bs: number, gamma: number, phi: number, l: number, b: number, S: Float64Array, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  let prod = 1;
  let sumLog = 0;
  let j = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      const s = S[j];
      const yhat = q + s;
      if (!(yhat > TINY)) return Infinity;
      const e = (yt - yhat) / yhat;
      prod *= yhat;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - s - q);
      b = phib + bs * (lNew - l - phib);
      S[j] = s + gamma * (yt - q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      const s = S[j];
      const yhat = q + s;
      if (!(yhat > TINY)) return Infinity;
      const e = (yt - yhat) / yhat;
      prod *= yhat;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt - s - q);
      S[j] = s + gamma * (yt - q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  }
  return finish(n, sse) + 2 * (sumLog + Math.log(prod));
}

function kernAM(y: Float64Array, m: number, alpha: number, bs: number, gamma: number, phi: number, l: number, b: number, S: Float64Array, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  let j = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      const s = S[j];
      if (!(s > TINY || s < -TINY) || !(q > TINY || q < -TINY)) return Infinity;
      const yhat = q * s;
      const e = yt - yhat;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt / s - q);
      b = phib + bs * (lNew - l - phib);
      S[j] = s + gamma * (yt / q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      const s = S[j];
      if (!(s > TINY || s < -TINY) || !(q > TINY || q < -TINY)) return Infinity;
      const yhat = q * s;
      const e = yt - yhat;
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt / s - q);
      S[j] = s + gamma * (yt / q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  }
  return finish(n, sse);
}

function kernMM(y: Float64Array, m: number, alpha: number, bs: number, gamma: number, phi: number, l: number, b: number, S: Float64Array, r: Float64Array): number {
  const n = y.length;
  let sse = 0;
  let prod = 1;
  let sumLog = 0;
  let j = 0;
  if (phi !== 0) {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const phib = phi * b;
      const q = l + phib;
      const s = S[j];
      if (!(s > TINY || s < -TINY) || !(q > TINY || q < -TINY)) return Infinity;
      const yhat = q * s;
      if (!(yhat > TINY)) return Infinity;
      const e = (yt - yhat) / yhat;
      prod *= yhat;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt / s - q);
      b = phib + bs * (lNew - l - phib);
      S[j] = s + gamma * (yt / q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const q = l;
      const s = S[j];
      if (!(s > TINY || s < -TINY) || !(q > TINY || q < -TINY)) return Infinity;
      const yhat = q * s;
      if (!(yhat > TINY)) return Infinity;
      const e = (yt - yhat) / yhat;
      prod *= yhat;
      if (prod > 1e150 || prod < 1e-150) {
        sumLog += Math.log(prod);
        prod = 1;
      }
      sse += e * e;
      r[t] = e;
      const lNew = q + alpha * (yt / s - q);
      S[j] = s + gamma * (yt / q - s);
      l = lNew;
      if (++j === m) j = 0;
    }
  }
  return finish(n, sse) + 2 * (sumLog + Math.log(prod));
}
