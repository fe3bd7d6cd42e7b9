// Fits per second (single core) of forecast() with full model selection on 36-point monthly series.
// Run: node --import tsx bench/forecast_speed.ts
import { fileURLToPath } from "node:url";
import { forecast } from "../src/forecast/index.js";
import { airPassengers, syntheticSeries } from "./forecast_vs_ets.series.js";

export interface SpeedResult {
  fits: number;
  /** wall-clock seconds */
  seconds: number;
  /** CPU seconds (user + system) of this process: the measure that is robust to a busy machine */
  cpuSeconds: number;
  /** fits per CPU-second, i.e. per core */
  fitsPerSecond: number;
  /** fits per wall-clock second */
  fitsPerWallSecond: number;
  series: number;
}

/** Model options for experiments, e.g. FORECAST_OPTS='{"relTol":1e-6}' (defaults otherwise). */
const benchOptions = process.env.FORECAST_OPTS ? JSON.parse(process.env.FORECAST_OPTS) : {};

export function measureSpeed(minSeconds = 3): SpeedResult {
  const ap = airPassengers().train.slice(0, 36);
  const synth = syntheticSeries(16, 7).map((s) => [...s.train, ...s.test].slice(0, 36)).filter((v) => v.length === 36);
  const all = [ap, ...synth];
  // warm-up (JIT)
  for (let i = 0; i < 3; i++) for (const v of all) forecast({ values: v }, benchOptions);
  let fits = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let secs = 0;
  while (secs < minSeconds) {
    for (const v of all) {
      forecast({ values: v }, benchOptions);
      fits++;
    }
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  return { fits, seconds: secs, cpuSeconds: cpu, fitsPerSecond: fits / cpu, fitsPerWallSecond: fits / secs, series: all.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = measureSpeed();
  console.log(
    `${r.fits} fits of 36-point monthly series (${r.series} distinct series): ${r.cpuSeconds.toFixed(2)} CPU-s, ${r.fitsPerSecond.toFixed(1)} fits per CPU-second (one core); wall ${r.seconds.toFixed(2)} s = ${r.fitsPerWallSecond.toFixed(1)} fits/s`,
  );
}
