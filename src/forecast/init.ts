// Initial states: the classical-decomposition heuristic of R's forecast::ets (initstate()).
import type { ModelSpec } from "./ets.js";
import { ols } from "./stats.js";

export interface InitialStates {
  l0: number;
  b0: number;
  /** Seasonal states in calendar order (length m); S[0] is implied by the normalisation. */
  S: Float64Array;
}

/** Classical seasonal decomposition (R's decompose): returns the seasonal figure (length m). */
export function classicalSeasonalFigure(y: ArrayLike<number>, m: number, multiplicative: boolean): Float64Array {
  const n = y.length;
  // centred moving average of order m (2×m for even m)
  const trend = new Float64Array(n).fill(NaN);
  const even = m % 2 === 0;
  const half = Math.floor(m / 2);
  for (let t = half; t < n - half; t++) {
    let s = 0;
    if (even) {
      s = 0.5 * y[t - half] + 0.5 * y[t + half];
      for (let k = t - half + 1; k <= t + half - 1; k++) s += y[k];
    } else {
      for (let k = t - half; k <= t + half; k++) s += y[k];
    }
    trend[t] = s / m;
  }
  const sum = new Float64Array(m);
  const cnt = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(trend[t])) continue;
    const d = multiplicative ? y[t] / trend[t] : y[t] - trend[t];
    if (!Number.isFinite(d)) continue;
    sum[t % m] += d;
    cnt[t % m] += 1;
  }
  const fig = new Float64Array(m);
  let mean = 0;
  for (let j = 0; j < m; j++) {
    fig[j] = cnt[j] > 0 ? sum[j] / cnt[j] : multiplicative ? 1 : 0;
    mean += fig[j];
  }
  mean /= m;
  for (let j = 0; j < m; j++) fig[j] = multiplicative ? (mean !== 0 ? fig[j] / mean : 1) : fig[j] - mean;
  return fig;
}

/** Heuristic initial states for a model, as in ets: decomposition (or a Fourier fit for < 3 seasons), then a regression on the first max(10, 2m) seasonally adjusted points. */
export function initialStates(y: ArrayLike<number>, spec: ModelSpec): InitialStates {
  const n = y.length;
  const m = spec.m;
  const seasonal = spec.season !== "N";
  const S = new Float64Array(Math.max(1, m));
  let ysa: Float64Array;
  let mEff = 1;
  if (seasonal) {
    mEff = m;
    const mult = spec.season === "M";
    const seas = new Float64Array(n); // seasonal component per time point
    if (n < 3 * m) {
      // y ~ a + b t + sin + cos (R: tslm(y ~ trend + fourier(y, 1)))
      const t1 = new Float64Array(n);
      const one = new Float64Array(n).fill(1);
      const sn = new Float64Array(n);
      const cs = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        t1[t] = t + 1;
        sn[t] = Math.sin((2 * Math.PI * (t + 1)) / m);
        cs[t] = Math.cos((2 * Math.PI * (t + 1)) / m);
      }
      const cols: Float64Array[] = [one, t1, cs];
      if (m > 2) cols.push(sn);
      const coef = ols(cols, y);
      for (let t = 0; t < n; t++) {
        const tr = coef[0] + coef[1] * (t + 1);
        seas[t] = mult ? y[t] / tr : y[t] - tr;
      }
    } else {
      const fig = classicalSeasonalFigure(y, m, mult);
      for (let t = 0; t < n; t++) seas[t] = fig[t % m];
    }
    // free initial states are the components of periods 2..m; period 1 follows from the normalisation
    let sum = 0;
    for (let j = 1; j < m; j++) {
      let v = seas[j];
      if (!Number.isFinite(v)) v = mult ? 1 : 0;
      if (mult) v = Math.max(v, 1e-2);
      S[j] = v;
      sum += v;
    }
    if (mult && sum > m) {
      let s2 = 0;
      for (let j = 1; j < m; j++) s2 += S[j] + 1e-2;
      sum = 0;
      for (let j = 1; j < m; j++) {
        S[j] /= s2;
        sum += S[j];
      }
    }
    S[0] = mult ? m - sum : -sum;
    ysa = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const sv = Number.isFinite(seas[t]) ? seas[t] : mult ? 1 : 0;
      ysa[t] = mult ? y[t] / Math.max(sv, 1e-2) : y[t] - sv;
    }
  } else {
    ysa = Float64Array.from(y);
  }
  const maxn = Math.min(Math.max(10, 2 * mEff), n);
  let l0: number;
  let b0 = 0;
  if (spec.trend === "N") {
    let s = 0;
    for (let t = 0; t < maxn; t++) s += ysa[t];
    l0 = s / maxn;
  } else {
    if (maxn >= 2) {
      const one = new Float64Array(maxn).fill(1);
      const tt = new Float64Array(maxn);
      for (let t = 0; t < maxn; t++) tt[t] = t + 1;
      const coef = ols([one, tt], ysa.subarray(0, maxn));
      l0 = coef[0];
      b0 = coef[1];
    } else {
      l0 = ysa[0];
    }
    if (Math.abs(l0 + b0) < 1e-8) {
      l0 *= 1 + 1e-3;
      b0 *= 1 - 1e-3;
    }
  }
  return { l0, b0, S };
}
