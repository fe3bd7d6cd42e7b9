// Accuracy benchmark: our ETS (src/forecast) against R's forecast::ets on AirPassengers (12-month
// holdout) and seeded synthetic monthly series (6- or 12-month holdouts).
// Run: node --import tsx bench/forecast_vs_ets.ts        (needs Rscript + r-cran-forecast for the ets column)
// Writes bench/results/forecast.md.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { forecast } from "../src/forecast/index.js";
import { benchSeries, type BenchSeries } from "./forecast_vs_ets.series.js";
import { measureSpeed } from "./forecast_speed.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const seriesPath = here("./data/forecast_series.json");
const etsPath = here("./data/forecast_ets_results.json");
const mdPath = here("./results/forecast.md");

interface Fc {
  method: string;
  mean: number[];
  lower: (number | null)[];
  upper: (number | null)[];
}

function mase(s: BenchSeries, mean: number[]): number {
  const m = s.train.length > s.frequency ? s.frequency : 1;
  let d = 0;
  for (let t = m; t < s.train.length; t++) d += Math.abs(s.train[t] - s.train[t - m]);
  d /= s.train.length - m;
  let e = 0;
  for (let i = 0; i < s.test.length; i++) e += Math.abs(s.test[i] - mean[i]);
  return e / s.test.length / d;
}

function coverage(s: BenchSeries, f: Fc): [number, number] {
  let hit = 0;
  for (let i = 0; i < s.test.length; i++) {
    const lo = f.lower[i];
    const hi = f.upper[i];
    if (lo !== null && hi !== null && s.test[i] >= lo && s.test[i] <= hi) hit++;
  }
  return [hit, s.test.length];
}

/** Model options for experiments, e.g. FORECAST_OPTS='{"maxEval":500}' (defaults otherwise). */
const benchOptions = process.env.FORECAST_OPTS ? JSON.parse(process.env.FORECAST_OPTS) : {};
const series = benchSeries();
mkdirSync(here("./data"), { recursive: true });
mkdirSync(here("./results"), { recursive: true });
writeFileSync(seriesPath, JSON.stringify(series));

let ets: { version: string; seconds: number; results: Fc[] } | null = null;
let rNote = "";
try {
  if (process.env.SKIP_R !== "1") execFileSync("Rscript", [here("./forecast_vs_ets.R"), seriesPath, etsPath], { stdio: "inherit" });
} catch (e) {
  rNote = `Rscript failed: ${(e as Error).message}`;
}
if (existsSync(etsPath)) {
  const parsed = JSON.parse(readFileSync(etsPath, "utf8"));
  if (parsed.results?.length === series.length) ets = parsed;
}

const ours: Fc[] = [];
const t0 = performance.now();
for (const s of series) {
  const r = forecast({ values: s.train, frequency: s.frequency, horizon: s.horizon, level: 95 }, benchOptions);
  ours.push({ method: r.model, mean: r.mean, lower: r.lower, upper: r.upper });
}
const oursSeconds = (performance.now() - t0) / 1000;

const rows: string[] = [];
let sumOurs = 0;
let sumEts = 0;
let synOurs = 0;
let synEts = 0;
let synN = 0;
let covO = [0, 0];
let covE = [0, 0];
let wins = 0;
const masesOurs: number[] = [];
const masesEts: number[] = [];
for (let i = 0; i < series.length; i++) {
  const s = series[i];
  const mo = mase(s, ours[i].mean);
  masesOurs.push(mo);
  const co = coverage(s, ours[i]);
  sumOurs += mo;
  covO = [covO[0] + co[0], covO[1] + co[1]];
  let etsCols = "| – | – | –";
  if (ets) {
    const e = ets.results[i];
    const me = mase(s, e.mean);
    masesEts.push(me);
    const ce = coverage(s, e);
    sumEts += me;
    covE = [covE[0] + ce[0], covE[1] + ce[1]];
    if (i > 0) {
      synEts += me;
    }
    if (mo < me - 1e-9) wins++;
    etsCols = `| ${e.method} | ${me.toFixed(3)} | ${ce[0]}/${ce[1]}`;
  }
  if (i > 0) {
    synOurs += mo;
    synN++;
  }
  rows.push(`| ${s.name} | ${s.train.length} | ${s.horizon} | ${ours[i].method} | ${mo.toFixed(3)} | ${co[0]}/${co[1]} ${etsCols} |`);
}
const median = (a: number[]): number => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const N = series.length;
const groupOf = (name: string): string => (name.startsWith("real_") ? "real" : name === "AirPassengers" ? "ap" : "syn");
const groupRow = (g: string, label: string): string | null => {
  const idx = series.map((s, i) => (groupOf(s.name) === g ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return null;
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const mo = idx.map((i) => masesOurs[i]);
  const me = ets ? idx.map((i) => masesEts[i]) : [];
  const w = ets ? idx.filter((i) => masesOurs[i] < masesEts[i] - 1e-9).length : 0;
  const l = ets ? idx.filter((i) => masesOurs[i] > masesEts[i] + 1e-9).length : 0;
  const cov = (fcs: Fc[]) => idx.reduce((acc, i) => { const c = coverage(series[i], fcs[i]); return [acc[0] + c[0], acc[1] + c[1]]; }, [0, 0]);
  const co = cov(ours);
  const ce = ets ? cov(ets.results) : [0, 0];
  return `| ${label} (${idx.length}) | ${mean(mo).toFixed(4)} / ${median(mo).toFixed(4)} | ${ets ? `${mean(me).toFixed(4)} / ${median(me).toFixed(4)}` : "n/a"} | ${((100 * co[0]) / co[1]).toFixed(1)}% | ${ets ? `${((100 * ce[0]) / ce[1]).toFixed(1)}%` : "n/a"} | ${ets ? `${w} / ${l} / ${idx.length - w - l}` : "n/a"} |`;
};
const speed = process.env.SKIP_SPEED === "1" ? null : measureSpeed();

const md: string[] = [];
md.push("## Forecast accuracy: `src/forecast` (TypeScript ETS) vs R `forecast::ets`", "");
md.push(
  `Generated ${new Date().toISOString().slice(0, 10)} by \`bench/forecast_vs_ets.ts\`. ${series.length} series: AirPassengers (132 months, 12-month holdout); ${series.filter((s) => groupOf(s.name) === "syn").length} seeded synthetic monthly series (24–48 months of training data, 6- or 12-month holdouts; level, trend, additive season, multiplicative season with trend, level shift + season, damped trend, random walk, fleet-like step growth with winter seasonality); and ${series.filter((s) => groupOf(s.name) === "real").length} short windows of real series that ship with R (monthly: AirPassengers, UKDriverDeaths, USAccDeaths, co2, ldeaths, mdeaths, fdeaths, nottem, wineind, gas, Seatbelts front/rear/VanKilled, sunspot.month since 1900 — 12/18/24/36/48 months with 6/6/6/12/12-month holdouts; quarterly: UKgas, JohnsonJohnson, austres, woolyrnq — 12/20 quarters with 4-quarter holdouts; windows at the start, middle and end of each series).`,
  "",
);
md.push("MASE = mean absolute forecast error over the holdout ÷ in-sample MAE of the seasonal naive forecast (lag = frequency). Coverage = share of holdout points inside the 95% prediction interval.", "");
md.push("| group (series) | MASE ours, mean / median | MASE ets, mean / median | 95% coverage ours | 95% coverage ets | ours better / worse / tie |", "|---|---|---|---|---|---|");
for (const [g, label] of [["ap", "AirPassengers"], ["syn", "synthetic"], ["real", "real-data windows"]] as const) {
  const row = groupRow(g, label);
  if (row) md.push(row);
}
md.push("");
md.push("| | ours | R ets |", "|---|---|---|");
md.push(`| mean MASE, all ${N} series | ${(sumOurs / N).toFixed(4)} | ${ets ? (sumEts / N).toFixed(4) : "n/a"} |`);
md.push(`| mean MASE, ${synN} non-AirPassengers series | ${(synOurs / synN).toFixed(4)} | ${ets ? (synEts / synN).toFixed(4) : "n/a"} |`);
md.push(`| median MASE, all ${N} series | ${median(masesOurs).toFixed(4)} | ${ets ? median(masesEts).toFixed(4) : "n/a"} |`);
md.push(`| AirPassengers MASE | ${mase(series[0], ours[0].mean).toFixed(4)} (${ours[0].method}) | ${ets ? `${mase(series[0], ets.results[0].mean).toFixed(4)} (${ets.results[0].method})` : "n/a"} |`);
md.push(`| 95% interval coverage | ${((100 * covO[0]) / covO[1]).toFixed(1)}% (${covO[0]}/${covO[1]}) | ${ets ? `${((100 * covE[0]) / covE[1]).toFixed(1)}% (${covE[0]}/${covE[1]})` : "n/a"} |`);
if (ets) md.push(`| series where ours has the lower MASE | ${wins}/${N} | |`);
md.push(`| wall time for all ${N} fits | ${oursSeconds.toFixed(2)} s | ${ets ? `${ets.seconds.toFixed(2)} s` : "n/a"} |`);
if (speed) md.push(`| speed, 36-point monthly series, full model selection, one core | ${speed.fitsPerSecond.toFixed(0)} fits/s | |`);
md.push("");
if (ets) md.push(`R: forecast ${ets.version}, \`ets(y)\` with defaults, \`forecast(fit, h, level = 95)\`.`, "");
if (rNote) md.push(`Note: ${rNote}`, "");
md.push(
  "Reproduce:",
  "",
  "```sh",
  "apt-get install -y r-cran-forecast   # R + forecast (Debian); optional, for the ets column", "node --import tsx bench/forecast_vs_ets.ts   # writes bench/data/forecast_series.json, runs bench/forecast_vs_ets.R, writes this file", "node --import tsx bench/forecast_speed.ts    # speed only", "Rscript bench/forecast_vs_ets.R bench/data/forecast_series.json bench/data/forecast_ets_results.json   # ets only",
  "SKIP_R=1 node --import tsx bench/forecast_vs_ets.ts   # reuse the cached ets results (same series)",
  "# bench/data/real_series.json was exported once from R with:",
  "# Rscript -e 'suppressMessages(library(forecast)); library(jsonlite); s <- list(AirPassengers=AirPassengers, UKDriverDeaths=UKDriverDeaths, USAccDeaths=USAccDeaths, co2=co2, ldeaths=ldeaths, mdeaths=mdeaths, fdeaths=fdeaths, nottem=nottem, wineind=wineind, gas=gas, Seatbelts_front=Seatbelts[,\"front\"], Seatbelts_rear=Seatbelts[,\"rear\"], Seatbelts_VanKilled=Seatbelts[,\"VanKilled\"], sunspot_month=window(sunspot.month, start=1900), UKgas=UKgas, JohnsonJohnson=JohnsonJohnson, austres=austres, woolyrnq=woolyrnq); out <- lapply(names(s), function(n) list(name=n, frequency=frequency(s[[n]]), start=paste(start(s[[n]]), collapse=\"-\"), values=as.numeric(s[[n]]))); writeLines(toJSON(out, auto_unbox=TRUE, digits=NA), \"bench/data/real_series.json\")'",
  "```",
  "",
);
md.push(
  "What is compared: ours = `forecast()` from `src/forecast` with defaults (18 ETS models: errors A/M × trend N/A/Ad × season N/A/M, multiplicative ones only on positive data, seasonal ones only with ≥ 2 full seasons; AICc selection; parameters and initial states by likelihood: Nelder–Mead over the smoothing parameters alternating with Gauss–Newton over the initial states). R = `ets()` defaults (15 models: it excludes additive-error/multiplicative-season models; Nelder–Mead over parameters and states jointly).",
  "",
  "Speed is measured as fits per CPU-second of the benchmarking process (user + system time from `process.cpuUsage()`), i.e. per core; it is run via `tsx` (TypeScript transpiled on the fly). The wall-clock rate is lower when the machine is shared, as it was during this run.",
  "",
);
md.push("<details><summary>Per-series results</summary>", "");
md.push("| series | n | h | ours | MASE | cover | ets | MASE | cover |", "|---|---|---|---|---|---|---|---|---|");
md.push(...rows, "", "</details>", "");
writeFileSync(mdPath, md.join("\n"));
console.log(md.slice(0, 16).join("\n"));
