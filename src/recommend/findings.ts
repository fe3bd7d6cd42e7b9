// The six recommendations of ANALYSES.md #9 as structured findings: which subjects each names (the
// selection rules), the Russian sentence, and per subject its value, the peer median and the excess
// in rubles. recommendations (code → text) and recommendations_detail are both views of these.
// Pure; no I/O.
import { byName, type DriverFacts, type RecommendationFacts, type VehicleFacts } from "./facts.js";

export const CODES = ["yearly_spending", "inefficient_drivers", "downtime", "fuel_efficiency", "high_maintenance", "high_fines"] as const;
export type Code = (typeof CODES)[number];

export const TOP_N = 5;

export interface Subject {
  /** year, gov_number or driver name */
  id: string;
  value: number | null;
  peer_median: number | null;
  excess_rub: number | null;
}

export interface Finding {
  code: Code;
  text: string;
  subjects: Subject[];
}

/** Rubles rounded to kopecks (no negative zero). */
export function rub2(x: number): number {
  const v = Math.round(x * 100) / 100;
  return v === 0 ? 0 : v;
}

function round4(x: number): number {
  const v = Math.round(x * 1e4) / 1e4;
  return v === 0 ? 0 : v;
}

/** Median (mean of the middle two for an even count); null for no values. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  // a typed array sorts numerically without calling back into JS (fast even before V8 warms up:
  // the CLI analyses one client per process)
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * The first n of `rows` in the order of `cmp` (stable, like sort + slice), keeping only the rows
 * that pass `keep`: one pass with a small sorted buffer instead of sorting every vehicle or driver.
 */
export function topN<T>(rows: readonly T[], n: number, cmp: (a: T, b: T) => number, keep: (r: T) => boolean = () => true): T[] {
  const top: T[] = [];
  if (n <= 0) return top;
  for (const r of rows) {
    if (!keep(r)) continue;
    if (top.length === n && cmp(r, top[n - 1]) >= 0) continue;
    let i = top.length;
    while (i > 0 && cmp(r, top[i - 1]) < 0) i--; // after its equals: stable
    top.splice(i, 0, r);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Rubles (a 2-decimal amount) as exact kopecks. */
function kopecks(x: number): bigint {
  return BigInt(Math.round(x * 100));
}

/** ceil(x) for a 2-decimal amount, as a plain integer string. */
export function ceilRub(x: number): string {
  const k = kopecks(x);
  const q = k / 100n; // truncates toward zero
  return String(k > q * 100n ? q + 1n : q);
}

/**
 * round3(x · num / den) for a 2-decimal amount x: rounded to 3 significant digits, half away from
 * zero, computed exactly (BigInt), printed as a plain number (an integer for amounts >= 100).
 */
export function round3Scaled(x: number, num: bigint, den: bigint): string {
  // value = k · num / den / 100 rubles; work in units of 1 / (100 · den) rubles
  const k = kopecks(x);
  const neg = k < 0n;
  const units = (neg ? -k : k) * num; // value = units / (100·den)
  if (units === 0n) return "0";
  const scale = 100n * den;
  // number of digits of the integer part decides where the 3rd significant digit is
  const digits = units.toString().length; // digits of units
  // round units to 3 significant digits
  const drop = digits - 3;
  let rounded: bigint;
  if (drop > 0) {
    const p = 10n ** BigInt(drop);
    rounded = ((units + p / 2n) / p) * p;
  } else rounded = units;
  // rounded / scale as a decimal string without trailing zeros
  const intPart = rounded / scale;
  let frac = rounded % scale;
  let s = intPart.toString();
  if (frac !== 0n) {
    const fracDigits = scale.toString().length - 1; // scale is 10^j for den a power of ten; else approximate below
    if (10n ** BigInt(fracDigits) === scale) {
      s += "." + frac.toString().padStart(fracDigits, "0").replace(/0+$/, "");
    } else {
      s = String(Number(rounded) / Number(scale));
    }
  }
  return (neg ? "-" : "") + s;
}

/** Minimal min-max normalisation: (x - min) / (max - min), 0 for everybody when max = min. */
function minMax(values: number[]): (x: number) => number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return (x) => (hi > lo ? (x - lo) / (hi - lo) : 0);
}

function list(ids: string[]): string {
  return ids.join(", ");
}

function yearlySpending(f: RecommendationFacts): Finding | null {
  if (f.year === null || !(rub2(f.year_total) > 0)) return null;
  const y = Number(f.year);
  const text =
    `По итогам ${f.year} года общие расходы составили ${ceilRub(f.year_total)} рублей, ` +
    `рекомендуем закладывать на ${y + 1} год примерно ${round3Scaled(f.year_total, 107n, 100n)} рублей.`;
  return { code: "yearly_spending", text, subjects: [{ id: f.year, value: rub2(f.year_total), peer_median: null, excess_rub: null }] };
}

export interface DriverScore {
  id: string;
  score: number;
  fe: number;
  feNorm: number;
  fsNorm: number;
  fcNorm: number;
}

/**
 * Driver efficiency scores: fe_norm / (fs_norm + fc_norm + 1e-6), fe = km per fuel ruble, fs = fines
 * sum, fc = days with fines, each min-max normalised across the drivers that have kilometres or fuel
 * (drivers with neither are left out). A driver with kilometres but no fuel spend has unbounded km
 * per ruble: fe_norm = 1 (as efficient as the best). Ordered by score ascending, then name.
 */
export function driverScores(drivers: DriverFacts[]): DriverScore[] {
  return unorderedDriverScores(drivers).sort(byScore);
}

const byScore = (a: DriverScore, b: DriverScore): number => a.score - b.score || byName(a.id, b.id);

/** driverScores in the drivers' order. */
function unorderedDriverScores(drivers: DriverFacts[]): DriverScore[] {
  const eligible = drivers.filter((d) => d.km > 0 || d.fuel > 0);
  const fe = eligible.map((d) => (d.fuel > 0 ? d.km / d.fuel : Infinity));
  const finite = fe.filter((v) => Number.isFinite(v));
  const feN = minMax(finite);
  const fsN = minMax(eligible.map((d) => d.fines));
  const fcN = minMax(eligible.map((d) => d.fine_days));
  return eligible.map((d, i) => {
    const feNorm = Number.isFinite(fe[i]) ? feN(fe[i]) : 1;
    const fsNorm = fsN(d.fines);
    const fcNorm = fcN(d.fine_days);
    return { id: d.id, score: feNorm / (fsNorm + fcNorm + 1e-6), fe: fe[i], feNorm, fsNorm, fcNorm };
  });
}

function inefficientDrivers(f: RecommendationFacts): Finding | null {
  // the lowest TOP_N scores and the median of all: no need to order every driver
  const scores = unorderedDriverScores(f.drivers);
  // A relative score says nothing when every driver has the same fuel efficiency.
  if (scores.length === 0 || scores.every((s) => s.feNorm === scores[0].feNorm)) return null;
  const med = median(scores.map((s) => s.score));
  const top = topN(scores, TOP_N, byScore);
  return {
    code: "inefficient_drivers",
    text: `Рекомендуем обратить внимание на низкую эффективность работы водителей: ${list(top.map((s) => s.id))}.`,
    subjects: top.map((s) => ({ id: s.id, value: round4(s.score), peer_median: med === null ? null : round4(med), excess_rub: null })),
  };
}

/** Top vehicles/drivers by a rubles value, never naming a zero value; ties by name. */
function topByRubles<T extends { id: string }>(rows: T[], value: (r: T) => number): { rows: T[]; median: number | null } {
  const med = median(rows.map(value));
  const top = topN(rows, TOP_N, (a, b) => value(b) - value(a) || byName(a.id, b.id), (r) => rub2(value(r)) > 0);
  return { rows: top, median: med };
}

function rublesFinding<T extends { id: string }>(code: Code, rows: T[], value: (r: T) => number, sentence: (ids: string) => string): Finding | null {
  const { rows: top, median: med } = topByRubles(rows, value);
  if (top.length === 0) return null;
  return {
    code,
    text: sentence(list(top.map((r) => r.id))),
    subjects: top.map((r) => ({
      id: r.id,
      value: rub2(value(r)),
      peer_median: med === null ? null : rub2(med),
      excess_rub: med === null ? null : rub2(value(r) - med),
    })),
  };
}

/**
 * Vehicles by fuel rubles per km, highest first; vehicles with fuel spend but no km rank first
 * (by fuel rubles). Vehicles without fuel spend are never named. The peer median is over the
 * vehicles with km; excess = fuel − peer median × km (for a vehicle without km: all its fuel).
 */
function fuelEfficiency(vehicles: VehicleFacts[]): Finding | null {
  const withKm = vehicles.filter((v) => v.km > 0);
  const med = median(withKm.map((v) => v.fuel / v.km));
  const noKm = topN(vehicles, TOP_N, (a, b) => b.fuel - a.fuel || byName(a.id, b.id), (v) => rub2(v.fuel) > 0 && !(v.km > 0));
  const perKm = topN(vehicles, TOP_N - noKm.length, (a, b) => b.fuel / b.km - a.fuel / a.km || byName(a.id, b.id), (v) => rub2(v.fuel) > 0 && v.km > 0);
  const top = [...noKm, ...perKm];
  if (top.length === 0) return null;
  return {
    code: "fuel_efficiency",
    text: `Автомобили с низкой топливной эффективностью: ${list(top.map((v) => v.id))}. Рекомендуем диагностировать двигатель и топливную систему.`,
    subjects: top.map((v) => ({
      id: v.id,
      value: v.km > 0 ? rub2(v.fuel / v.km) : null,
      peer_median: med === null ? null : rub2(med),
      excess_rub: v.km > 0 ? (med === null ? null : rub2(v.fuel - med * v.km)) : rub2(v.fuel),
    })),
  };
}

/** The findings in contract order; a code with nothing to say is absent. */
export function buildFindings(f: RecommendationFacts): Finding[] {
  const out: (Finding | null)[] = [
    yearlySpending(f),
    inefficientDrivers(f),
    rublesFinding("downtime", f.vehicles, (v) => v.downtime_cost, (ids) => `Автомобили с высоким простоем и расходами: ${ids}. Рекомендуем технический аудит.`),
    fuelEfficiency(f.vehicles),
    rublesFinding("high_maintenance", f.vehicles, (v) => v.maintenance, (ids) => `Автомобили с высокими расходами на обслуживание: ${ids}. Рекомендуем пересмотреть условия сервисных договоров.`),
    rublesFinding("high_fines", f.drivers, (d) => d.fines, (ids) => `Водители с избыточными штрафами: ${ids}. Рекомендуем провести дополнительное обучение по ПДД.`),
  ];
  return out.filter((x): x is Finding => x !== null);
}

/** recommendations (ANALYSES.md #9): {code: Russian sentence} in contract order; {} when nothing to say. */
export function buildRecommendations(f: RecommendationFacts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const x of buildFindings(f)) out[x.code] = x.text;
  return out;
}
