// Small numeric helpers: quantiles, a seeded PRNG, least squares. No dependencies.

/** Inverse of the standard normal CDF (Acklam's rational approximation + one Halley step). */
export function qnorm(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley refinement step using erfc.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (Numerical Recipes erfcc, |rel err| < 1.2e-7), good enough for refinement. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Student-t quantile. Exact for df 1 and 2, Cornish–Fisher expansion otherwise (accurate to ~1e-4 for df >= 3). */
export function qt(p: number, df: number): number {
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = qnorm(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** mulberry32: tiny deterministic 32-bit PRNG returning uniforms in (0,1). */
export function makeRng(seed: number): () => number {
  let s = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return r === 0 ? 0.5 / 4294967296 : r;
  };
}

/** Standard normal generator (Box–Muller, caches the second value). */
export function makeNormal(rng: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    const u1 = rng();
    const u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/**
 * Ordinary least squares y ~ X (X given column-wise) via normal equations with Cholesky and a
 * tiny ridge on near-singular directions. Returns coefficients (0 for columns that are all ~0).
 */
export function ols(cols: ArrayLike<number>[], y: ArrayLike<number>): number[] {
  const k = cols.length;
  const n = y.length;
  const A = new Float64Array(k * k);
  const r = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const ci = cols[i];
    for (let j = 0; j <= i; j++) {
      const cj = cols[j];
      let s = 0;
      for (let t = 0; t < n; t++) s += ci[t] * cj[t];
      A[i * k + j] = s;
      A[j * k + i] = s;
    }
    let s = 0;
    for (let t = 0; t < n; t++) s += ci[t] * y[t];
    r[i] = s;
  }
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, A[i * k + i]);
  const ridge = maxDiag * 1e-12 + 1e-300;
  for (let i = 0; i < k; i++) A[i * k + i] += ridge;
  return cholSolve(A, r, k);
}

/** Solves A x = b for symmetric positive (semi)definite A (row-major k×k), in place on copies. */
export function cholSolve(Ain: Float64Array, b: Float64Array, k: number): number[] {
  const L = new Float64Array(Ain);
  for (let j = 0; j < k; j++) {
    let d = L[j * k + j];
    for (let p = 0; p < j; p++) d -= L[j * k + p] * L[j * k + p];
    const djj = d > 1e-300 ? Math.sqrt(d) : 0;
    L[j * k + j] = djj;
    for (let i = j + 1; i < k; i++) {
      let s = L[i * k + j];
      for (let p = 0; p < j; p++) s -= L[i * k + p] * L[j * k + p];
      L[i * k + j] = djj > 0 ? s / djj : 0;
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= L[i * k + p] * z[p];
    const lii = L[i * k + i];
    z[i] = lii > 0 ? s / lii : 0;
  }
  const x = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i];
    for (let p = i + 1; p < k; p++) s -= L[p * k + i] * x[p];
    const lii = L[i * k + i];
    x[i] = lii > 0 ? s / lii : 0;
  }
  return x;
}

/** R's default (type 7) quantile of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * R's default (type 7) quantile of an unsorted array, by quickselect (O(n) expected).
 * Reorders `a` in place.
 */
export function quantileSelect(a: Float64Array, p: number): number {
  const n = a.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const vlo = selectKth(a, lo);
  if (lo + 1 >= n || h === lo) return vlo;
  // the (lo+1)-th order statistic is the minimum of the part right of lo
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
  return vlo + (h - lo) * (vhi - vlo);
}

/** Hoare quickselect: puts the k-th smallest element at index k (elements left are <=, right are >=). */
function selectKth(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    // median of three pivot
    const mid = (left + right) >>> 1;
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

/** Cholesky factor of a symmetric PSD k×k matrix (lower triangle of L, row-major); zero pivots give zero columns. */
export function cholFactor(A: Float64Array, L: Float64Array, k: number): void {
  for (let i = 0; i < k * k; i++) L[i] = A[i];
  for (let j = 0; j < k; j++) {
    let d = L[j * k + j];
    for (let p = 0; p < j; p++) d -= L[j * k + p] * L[j * k + p];
    const djj = d > 1e-300 ? Math.sqrt(d) : 0;
    L[j * k + j] = djj;
    for (let i = j + 1; i < k; i++) {
      let s = L[i * k + j];
      for (let p = 0; p < j; p++) s -= L[i * k + p] * L[j * k + p];
      L[i * k + j] = djj > 0 ? s / djj : 0;
    }
  }
}

/** Solves L L' x = b with a factor from cholFactor (x may not alias b). */
export function cholSolveFactored(L: Float64Array, b: Float64Array, x: Float64Array, k: number): void {
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= L[i * k + p] * x[p];
    const lii = L[i * k + i];
    x[i] = lii > 0 ? s / lii : 0;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = x[i];
    for (let p = i + 1; p < k; p++) s -= L[p * k + i] * x[p];
    const lii = L[i * k + i];
    x[i] = lii > 0 ? s / lii : 0;
  }
}
