// Seeded synthetic monthly series for the forecast benchmark (plus AirPassengers).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { makeNormal, makeRng } from "../src/forecast/stats.js";

export interface BenchSeries {
  name: string;
  frequency: number;
  horizon: number;
  train: number[];
  test: number[];
}

const KINDS = ["level", "trend", "addseason", "multseason_trend", "shift_season", "damped", "randomwalk", "fleet"] as const;

function seasonalPattern(rnd: () => number, nrm: () => number, m: number, amp: number): number[] {
  const phase = rnd() * 2 * Math.PI;
  const p = Array.from({ length: m }, (_, j) => Math.sin((2 * Math.PI * j) / m + phase) + 0.35 * nrm());
  const mean = p.reduce((a, b) => a + b, 0) / m;
  const sd = Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / m) || 1;
  return p.map((v) => ((v - mean) / sd) * amp);
}

export function syntheticSeries(count = 80, seed = 2024): BenchSeries[] {
  const rnd = makeRng(seed);
  const nrm = makeNormal(rnd);
  const out: BenchSeries[] = [];
  const lengths = [24, 30, 36, 42, 48];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length];
    const n = lengths[Math.floor(i / KINDS.length) % lengths.length];
    const H = i % 2 === 0 ? 12 : 6;
    const N = n + H;
    const base = 100 + 900 * rnd();
    const noise = 0.03 + 0.1 * rnd();
    const y: number[] = new Array(N);
    const pat = seasonalPattern(rnd, nrm, 12, 0.1 + 0.2 * rnd());
    const slope = (rnd() < 0.5 ? -1 : 1) * (0.003 + 0.012 * rnd()) * base;
    switch (kind) {
      case "level":
        for (let t = 0; t < N; t++) y[t] = base * (1 + noise * nrm());
        break;
      case "trend":
        for (let t = 0; t < N; t++) y[t] = base + Math.abs(slope) * t + base * noise * nrm();
        break;
      case "addseason":
        for (let t = 0; t < N; t++) y[t] = base + base * pat[t % 12] + base * noise * 0.5 * nrm();
        break;
      case "multseason_trend":
        for (let t = 0; t < N; t++) y[t] = (base + Math.abs(slope) * t) * (1 + pat[t % 12]) * (1 + noise * 0.5 * nrm());
        break;
      case "shift_season": {
        const tShift = Math.floor(N * (0.3 + 0.4 * rnd()));
        const shift = (rnd() < 0.5 ? -0.25 : 0.35) * base;
        for (let t = 0; t < N; t++) y[t] = base + (t >= tShift ? shift : 0) + base * pat[t % 12] * 0.7 + base * noise * 0.5 * nrm();
        break;
      }
      case "damped": {
        let b = slope * 2;
        let l = base;
        for (let t = 0; t < N; t++) {
          l += b;
          b *= 0.9;
          y[t] = l + base * noise * 0.5 * nrm();
        }
        break;
      }
      case "randomwalk": {
        let l = base;
        for (let t = 0; t < N; t++) {
          l = Math.max(0.2 * base, l + base * noise * nrm());
          y[t] = l;
        }
        break;
      }
      case "fleet": {
        // fleet spending: vehicles added in steps, winter fuel seasonality (multiplicative), noisy months
        let vehicles = 5 + Math.floor(20 * rnd());
        const perVehicle = base / 10;
        for (let t = 0; t < N; t++) {
          if (rnd() < 0.08) vehicles += rnd() < 0.7 ? 1 + Math.floor(3 * rnd()) : -1;
          vehicles = Math.max(2, vehicles);
          const month = t % 12;
          const winter = month <= 2 || month >= 10 ? 1.12 : 1;
          y[t] = vehicles * perVehicle * winter * (1 + pat[month] * 0.4) * (1 + noise * nrm());
        }
        break;
      }
    }
    const yy = y.map((v) => Math.round(v * 100) / 100);
    out.push({ name: `${kind}_${i}`, frequency: 12, horizon: H, train: yy.slice(0, n), test: yy.slice(n) });
  }
  return out;
}

export function airPassengers(): BenchSeries {
  const ap: number[] = JSON.parse(readFileSync(fileURLToPath(new URL("./data/airpassengers.json", import.meta.url)), "utf8"));
  return { name: "AirPassengers", frequency: 12, horizon: 12, train: ap.slice(0, 132), test: ap.slice(132) };
}

/**
 * Short windows of real series shipped with R (datasets, forecast): monthly windows of 12, 18, 24,
 * 36 and 48 points with 6/6/6/12/12-month holdouts, quarterly windows of 12 and 20 points with
 * 4-quarter holdouts; three start offsets (start, middle, end) per series and length. Data: bench/data/real_series.json,
 * exported from R (see bench/results/forecast.md).
 */
export function realWindows(): BenchSeries[] {
  const raw: { name: string; frequency: number; values: number[] }[] = JSON.parse(
    readFileSync(fileURLToPath(new URL("./data/real_series.json", import.meta.url)), "utf8"),
  );
  const out: BenchSeries[] = [];
  for (const r of raw) {
    const f = r.frequency;
    const specs = f === 12 ? [[12, 6], [18, 6], [24, 6], [36, 12], [48, 12]] : [[12, 4], [20, 4]];
    for (const [L, H] of specs) {
      const room = r.values.length - L - H;
      if (room < 0) continue;
      // start, middle and end of the series (offsets aligned to whole years)
      const offsets = [0, Math.floor(room / f / 2) * f, Math.floor(room / f) * f];
      for (const off of [...new Set(offsets)]) {
        const w = r.values.slice(off, off + L + H);
        out.push({ name: `real_${r.name}_${L}_${off}`, frequency: f, horizon: H, train: w.slice(0, L), test: w.slice(L) });
      }
    }
  }
  return out;
}

export function benchSeries(): BenchSeries[] {
  return [airPassengers(), ...syntheticSeries(), ...realWindows()];
}
