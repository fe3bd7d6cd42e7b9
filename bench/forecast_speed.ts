// Fits per second (single core) of forecast() with full model selection on 36-point monthly series.
// Run: node --import tsx bench/forecast_speed.ts
import { fileURLToPath } from "node:url";
import { forecast } from "../src/forecast/index.js";
import { airPassengers, syntheticSeries } from "./forecast_vs_ets.series.js";

export interface SpeedResult {
  fits: number;
  seconds: number;
  fitsPerSecond: number;
  series: number;
}

export function measureSpeed(minSeconds = 3): SpeedResult {
  const ap = airPassengers().train.slice(0, 36);
  const synth = syntheticSeries(16, 7).map((s) => [...s.train, ...s.test].slice(0, 36)).filter((v) => v.length === 36);
  const all = [ap, ...synth];
  // warm-up (JIT)
  for (let i = 0; i < 3; i++) for (const v of all) forecast({ values: v });
  let fits = 0;
  const t0 = process.hrtime.bigint();
  let secs = 0;
  while (secs < minSeconds) {
    for (const v of all) {
      forecast({ values: v });
      fits++;
    }
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { fits, seconds: secs, fitsPerSecond: fits / secs, series: all.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = measureSpeed();
  console.log(`${r.fits} fits of 36-point monthly series (${r.series} distinct series) in ${r.seconds.toFixed(2)} s: ${r.fitsPerSecond.toFixed(1)} fits/s on one core`);
}
