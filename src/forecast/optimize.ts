// Nelder–Mead simplex minimiser (no dependencies). Allocation-free inside the iteration loop.
// Infinite objective values (outside the admissible region) are handled as "worse than anything",
// which is how R's optim/ets deals with bounds.

export interface NelderMeadOptions {
  /** Initial step per coordinate. */
  step: ArrayLike<number>;
  /** Maximum number of function evaluations. */
  maxEval?: number;
  /** Relative tolerance on the spread of function values (R's reltol). */
  relTol?: number;
  /** Absolute tolerance on the spread of function values. */
  absTol?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  f: number;
  evals: number;
}

export function nelderMead(fn: (x: Float64Array) => number, x0: ArrayLike<number>, opts: NelderMeadOptions): NelderMeadResult {
  const n = x0.length;
  const maxEval = opts.maxEval ?? 2000;
  const relTol = opts.relTol ?? 1e-8;
  const absTol = opts.absTol ?? 1e-12;
  const n1 = n + 1;
  const P = new Float64Array(n1 * n);
  const F = new Float64Array(n1);
  const cen = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  let evals = 0;
  const feval = (x: Float64Array): number => {
    evals++;
    const v = fn(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  // build simplex
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) row[i] = x0[i];
  for (let i = 0; i < n; i++) P[i] = x0[i];
  F[0] = feval(row);
  for (let j = 1; j < n1; j++) {
    for (let i = 0; i < n; i++) row[i] = x0[i];
    const st = opts.step[j - 1];
    row[j - 1] += st !== 0 ? st : 0.1;
    P.set(row, j * n);
    F[j] = feval(row);
  }
  // main loop
  while (evals < maxEval) {
    // find best (lo), worst (hi), second worst (nh)
    let lo = 0;
    let hi = 0;
    for (let j = 1; j < n1; j++) {
      if (F[j] < F[lo]) lo = j;
      if (F[j] > F[hi]) hi = j;
    }
    let nh = lo;
    for (let j = 0; j < n1; j++) if (j !== hi && F[j] > F[nh]) nh = j;
    const fl = F[lo];
    const fh = F[hi];
    if (Number.isFinite(fh) && fh - fl <= relTol * (Math.abs(fl) + relTol) + absTol) break;
    if (!Number.isFinite(fl)) break; // nothing admissible to work from
    // centroid of all but worst
    cen.fill(0);
    for (let j = 0; j < n1; j++) {
      if (j === hi) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) cen[i] += P[o + i];
    }
    for (let i = 0; i < n; i++) cen[i] /= n;
    const oh = hi * n;
    // reflection
    for (let i = 0; i < n; i++) xr[i] = cen[i] + (cen[i] - P[oh + i]);
    const fr = feval(xr);
    if (fr < fl) {
      // expansion
      for (let i = 0; i < n; i++) xe[i] = cen[i] + 2 * (xr[i] - cen[i]);
      const fe = feval(xe);
      if (fe < fr) {
        P.set(xe, oh);
        F[hi] = fe;
      } else {
        P.set(xr, oh);
        F[hi] = fr;
      }
      continue;
    }
    if (fr < F[nh]) {
      P.set(xr, oh);
      F[hi] = fr;
      continue;
    }
    // contraction (outside if the reflected point is better than the worst, inside otherwise)
    const outside = fr < fh;
    if (outside) for (let i = 0; i < n; i++) xc[i] = cen[i] + 0.5 * (xr[i] - cen[i]);
    else for (let i = 0; i < n; i++) xc[i] = cen[i] + 0.5 * (P[oh + i] - cen[i]);
    const fc = feval(xc);
    if (fc < (outside ? fr : fh)) {
      P.set(xc, oh);
      F[hi] = fc;
      continue;
    }
    // shrink towards the best
    const ol = lo * n;
    for (let j = 0; j < n1; j++) {
      if (j === lo) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) P[o + i] = P[ol + i] + 0.5 * (P[o + i] - P[ol + i]);
      F[j] = feval(P.subarray(o, o + n));
      if (evals >= maxEval) break;
    }
  }
  let lo = 0;
  for (let j = 1; j < n1; j++) if (F[j] < F[lo]) lo = j;
  return { x: P.slice(lo * n, lo * n + n), f: F[lo], evals };
}
