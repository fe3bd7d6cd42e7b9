// Deterministic generator of realistic fleet data: vehicles.csv, expenses.csv, truth.json.
// Streams expenses.csv row by row (date-major, vehicles in a fixed order) with backpressure;
// memory is O(vehicles), never O(rows). Same options → byte-identical files.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import {
  INDUSTRIES,
  industryCode,
  industryRu,
  expenseColumnsFor,
  moneyColumnsFor,
  VEHICLE_COLUMNS,
  VEHICLE_TYPES,
  TYPE_MIX,
  MARKET_KM,
  TOLL_INDUSTRIES,
  FUEL_PRICE,
  FUEL_DRIFT,
  type VehicleType,
} from './catalog.js';
import { Rng } from './random.js';
import { driverName, plate, pickRegions } from './names.js';

export { INDUSTRIES, industryCode, expenseColumnsFor, moneyColumnsFor, VEHICLE_COLUMNS };

export interface GenerateOptions {
  vehicles: number;
  days: number;
  /** code like 'logistics' or Russian name 'Логистика' */
  industry: string;
  seed?: number;
  /** ISO date of the first day; when given, the data runs startDate … startDate + days − 1 */
  startDate?: string;
  /** ISO date of the last day (inclusive); default '2026-10-31' (fixed, so output is deterministic) */
  endDate?: string;
  /** inject labelled anomalies; default true */
  anomalies?: boolean;
}

export interface GenerateResult {
  vehiclesCsv: string;
  expensesCsv: string;
  truthJson: string;
  /** data rows written to expenses.csv (vehicles × days + duplicate rows) */
  rows: number;
  vehicles: number;
}

export const RULES = [
  'high_salary',
  'fuel_norm_check',
  'idle_fuel',
  'driver_fines',
  'price_per_liter',
  'silent_assets',
  'odometer_check',
  'duplicate_rows',
] as const;
export type Rule = (typeof RULES)[number];

export interface TruthEntry {
  rule: Rule;
  subject_kind: 'vehicle' | 'driver' | 'client';
  subject: string;
  period_start: string;
  period_end: string;
  note: string;
  [k: string]: unknown;
}

export const DEFAULT_END_DATE = '2026-10-31';
export const DEFAULT_SEED = 42;

const DAY_MS = 86_400_000;

function parseIso(s: string, what: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new Error(`${what}: expected an ISO date YYYY-MM-DD, got ${JSON.stringify(s)}`);
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const dt = new Date(t);
  if (dt.getUTCFullYear() !== +m[1] || dt.getUTCMonth() !== +m[2] - 1 || dt.getUTCDate() !== +m[3]) {
    throw new Error(`${what}: not a calendar date: ${s}`);
  }
  return t / DAY_MS;
}

function isoOf(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

interface DayInfo {
  iso: string;
  year: number;
  month: number; // 1..12
  dom: number;
  dow: number; // 0 = Sunday
  doy: number; // 1..366
  monthIdx: number;
  dim: number; // days in month
  yearIdx: number;
}

interface MonthInfo {
  ym: string;
  first: number; // day index (clamped to the range)
  last: number;
  full: boolean;
}

interface Driver {
  name: string;
  rate: number;
  fineP: number;
  fineMult: number;
  hs: Map<number, number> | null;
  decBonus: number;
  role: string;
}

type WinKind = 'silent' | 'repair_idle' | 'fuel_norm' | 'price';
interface Win {
  kind: WinKind;
  start: number;
  end: number;
  factor: number;
}

interface Vehicle {
  gov: string;
  type: VehicleType;
  drivers: Driver[];
  alt: number;
  releaseYear: number;
  startDate: string;
  isRental: boolean;
  hasCasco: boolean;
  trailer: boolean;
  purchase: number;
  rentalCost: number;
  norm: number;
  tank: number;
  baseKm: number;
  eff: number;
  ageF: number[];
  priceMult: number;
  sundayOff: boolean;
  idleP: number;
  breakdownP: number;
  repairP: number;
  odo: number; // tenths of km, true reading
  odoEventDay: number;
  odoDelta: number; // tenths of km added to the reading from odoEventDay on
  nextService: number; // tenths
  serviceCount: number;
  nextPads: number;
  nextTires: number; // tenths: a new set of tyres
  tiresKm: number;
  nextBelt: number; // 0 = no timing belt (diesel or chain)
  postingDay: number;
  osagoM: number;
  taxM: number;
  amortM: number;
  amortLifeYears: number;
  cascoM: number;
  licenseM: number;
  parkingDaily: number;
  silentParking: number;
  platonShare: number;
  tireSpring: number;
  tireAutumn: number;
  safetyDoy: number;
  kitDoy: number;
  downLeft: number;
  windows: Win[];
  idleFuelDays: Set<number> | null;
  lastRepair: number;
  preRepairIso: string;
  reserved: [number, number][];
  role: string;
}

const FINES: [number, number][] = [
  [250, 14], [500, 40], [750, 6], [1000, 10], [1500, 10], [2000, 5], [2500, 4], [3000, 5], [5000, 5], [7500, 1],
];
// real winter uplift of consumption (the fuel_norm_check correction is +10% Nov–Mar)
const WINTER: number[] = [0, 1.12, 1.11, 1.06, 1, 1, 1, 1, 1, 1, 1, 1.07, 1.1];
const SUNDAY_OFF: Record<string, number> = {
  logistics: 0.3, construction: 0.4, pharma: 0.4, retail: 0.35, taxi: 0.1, delivery: 0.35, buses: 0.05, carsharing: 0, other: 0.4,
};
const TWO_DRIVERS: Record<string, number> = {
  logistics: 0.15, construction: 0.08, pharma: 0.1, retail: 0.1, taxi: 0.35, delivery: 0.12, buses: 0.3, carsharing: 0, other: 0.1,
};
const RENTAL: Record<string, number> = {
  logistics: 0.15, construction: 0.2, pharma: 0.12, retail: 0.12, taxi: 0.3, delivery: 0.25, buses: 0.1, carsharing: 0.15, other: 0.12,
};
const CASCO: Record<string, number> = {
  logistics: 0.45, construction: 0.25, pharma: 0.4, retail: 0.35, taxi: 0.7, delivery: 0.3, buses: 0.6, carsharing: 1, other: 0.35,
};
const SEASON_AMP: Record<string, number> = {
  logistics: 0.08, construction: 0.2, pharma: 0.06, retail: 0.08, taxi: 0.05, delivery: 0.07, buses: 0.04, carsharing: 0.15, other: 0.1,
};
/** target share of zero-km days from ordinary causes (days off, idle, breakdowns) */
const ZERO_TARGET = 0.1;
const BREAKDOWN_P = 0.0025; // per vehicle-day: a breakdown with 1–5 days of downtime
const PLATON_RUB_PER_KM = 3.0;
const CHUNK = 1 << 18; // characters per write

const round2 = (x: number) => Math.round(x * 100) / 100;
/** non-negative integer hundredths → shortest decimal ("12", "12.5", "12.05"); same text as String(c / 100) */
function fmt100(c: number): string {
  if (c < 0) return String(c / 100);
  const f = c % 100;
  const i = (c - f) / 100;
  if (f === 0) return String(i);
  if (f % 10 === 0) return i + '.' + f / 10;
  return i + (f < 10 ? '.0' : '.') + f;
}
/** non-negative integer tenths → shortest decimal */
function fmt10(t: number): string {
  if (t < 0) return String(t / 10);
  const f = t % 10;
  return f === 0 ? String((t - f) / 10) : (t - f) / 10 + '.' + f;
}

function resolveDates(opts: GenerateOptions): { start: number; end: number } {
  const days = opts.days;
  if (opts.startDate) {
    const start = parseIso(opts.startDate, 'startDate');
    const end = start + days - 1;
    if (opts.endDate && parseIso(opts.endDate, 'endDate') !== end) {
      throw new Error(`startDate ${opts.startDate} + ${days} days does not end on endDate ${opts.endDate}`);
    }
    return { start, end };
  }
  const end = parseIso(opts.endDate ?? DEFAULT_END_DATE, 'endDate');
  return { start: end - days + 1, end };
}

/** write with backpressure; once('drain') rejects if the stream errors meanwhile */
async function writeChunk(ws: WriteStream, s: string, failed: () => Error | null): Promise<void> {
  const e = failed();
  if (e) throw e;
  if (!ws.write(s)) await once(ws, 'drain');
}

/**
 * Generate vehicles.csv, expenses.csv and truth.json under outDir.
 * expenses.csv has vehicles × days rows plus the injected duplicate rows.
 */
export async function generate(outDir: string, opts: GenerateOptions): Promise<GenerateResult> {
  const nV = Math.floor(opts.vehicles);
  const nD = Math.floor(opts.days);
  if (!Number.isFinite(nV) || nV < 1) throw new Error(`vehicles must be ≥ 1, got ${opts.vehicles}`);
  if (!Number.isFinite(nD) || nD < 1) throw new Error(`days must be ≥ 1, got ${opts.days}`);
  if (nV > 200_000) throw new Error(`vehicles must be ≤ 200000, got ${opts.vehicles}`);
  const industry = industryCode(opts.industry);
  if (!industry) {
    throw new Error(`unknown industry ${JSON.stringify(opts.industry)}; use one of ${INDUSTRIES.map((i) => `${i.code} (${i.ru})`).join(', ')}`);
  }
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
  const withAnomalies = opts.anomalies !== false;
  const { start, end } = resolveDates(opts);
  const carsharing = industry === 'carsharing';

  // ---------- calendar ----------
  const startYear = new Date(start * DAY_MS).getUTCFullYear();
  const days: DayInfo[] = new Array(nD);
  const months: MonthInfo[] = [];
  for (let d = 0; d < nD; d++) {
    const dt = new Date((start + d) * DAY_MS);
    const year = dt.getUTCFullYear();
    const month = dt.getUTCMonth() + 1;
    const dom = dt.getUTCDate();
    const monthIdx = (year - startYear) * 12 + month - 1 - new Date(start * DAY_MS).getUTCMonth();
    const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const doy = Math.round((Date.UTC(year, month - 1, dom) - Date.UTC(year, 0, 1)) / DAY_MS) + 1;
    days[d] = { iso: dt.toISOString().slice(0, 10), year, month, dom, dow: dt.getUTCDay(), doy, monthIdx, dim, yearIdx: year - startYear };
    if (!months[monthIdx]) months[monthIdx] = { ym: days[d].iso.slice(0, 7), first: d, last: d, full: false };
    months[monthIdx].last = d;
  }
  for (const m of months) {
    const f = days[m.first];
    const l = days[m.last];
    m.full = f.dom === 1 && l.dom === l.dim;
  }
  const nYears = days[nD - 1].yearIdx + 1;
  // fuel price index per month (drifting up), relative to January 2025
  const priceIndex: number[] = months.map((m) => {
    const [y, mo] = m.ym.split('-').map(Number);
    return Math.pow(1 + FUEL_DRIFT, (y - 2025) * 12 + (mo - 1));
  });

  // ---------- columns ----------
  const money = moneyColumnsFor(industry);
  const header = expenseColumnsFor(industry);
  const nM = money.length;
  const col = (f: string) => money.indexOf(f);
  const C = {
    repair: col('repair'), insurance: col('insurance'), fines: col('fines'), maintenance: col('maintenance'),
    tire: col('tire_service'), carwash: col('carwash'), parking: col('parking'), tolls: col('flat_roads'),
    salary: col('calculated_salary'), antifreeze: col('antifreeze_liquid'), oil: col('engine_oil'),
    brakeFluid: col('brake_fluid'), plugs: col('spark_plugs'), fuelFilters: col('fuel_filters'), filters: col('filters'),
    belts: col('timing_belts'), pads: col('brake_pads'), other: col('other_cost'), rental: col('rental_expense'),
    amort: col('amortization'), tax: col('transport_tax'), casco: col('casco'), extinguishers: col('fire_extinguishers'),
    kits: col('first_aid_kits'), hydraulic: col('hydraulic_oil'), lubricants: col('special_lubricants'),
    customs: col('customs_fees'), cargoIns: col('cargo_insurance'), transloading: col('transloading_fees'),
    tempControl: col('temp_control_maintenance'), sterilization: col('sterilization_costs'),
    licenses: col('pharma_licenses'), bucket: col('bucket_parts'),
  };
  const m = new Float64Array(nM); // current row, cents
  const sums = new Float64Array(nM); // unique rows, cents (exact integers)
  let sumFuelCents = 0;
  let sumLitresH = 0;
  let sumKmT = 0;
  let zeroKmDays = 0;
  const add = (i: number, rub: number) => {
    if (i >= 0) m[i] += Math.round(rub * 100);
  };

  // ---------- vehicles ----------
  // the industry is mixed into the streams: two clients with the same seed but different
  // industries get different fleets (plates, names)
  const salt = INDUSTRIES.findIndex((i) => i.code === industry) + 1;
  const rs = new Rng((seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  const mix = TYPE_MIX[industry];
  const mixKm = mix.reduce((a, [t, w]) => a + VEHICLE_TYPES[t].km * w, 0) / mix.reduce((a, [, w]) => a + w, 0);
  const refKm = MARKET_KM[industry] / (1 - ZERO_TARGET); // km on a working day, fleet average
  const sOff = SUNDAY_OFF[industry];
  const usedNames = new Set<string>();
  const usedPlates = new Set<string>();
  const regions = pickRegions(rs);
  const maxRelease = Math.min(2025, startYear);
  const newFleet = industry === 'taxi' || industry === 'carsharing';
  const V: Vehicle[] = new Array(nV);
  const newDriver = (type: VehicleType, shift: number): Driver => ({
    name: driverName(rs, usedNames),
    rate: round2(type.salary * shift * rs.uni(0.92, 1.08) * (industry === 'taxi' ? 0.95 : 1)),
    fineP: 0.04 * Math.exp(0.3 * rs.normal()),
    fineMult: 1,
    hs: null,
    decBonus: rs.uni(1.15, 1.35),
    role: '',
  });
  for (let v = 0; v < nV; v++) {
    const type = VEHICLE_TYPES[rs.weighted(mix)];
    const releaseYear = Math.min(maxRelease, newFleet ? rs.int(Math.min(2017, maxRelease), maxRelease) : rs.int(maxRelease >= 2008 ? 2008 : maxRelease - 10, maxRelease));
    const gov = plate(rs, regions, usedPlates, type.name === 'Автобус');
    const isRental = rs.chance(RENTAL[industry]);
    const purchase = Math.round(rs.uni(type.price[0], type.price[1]) * (1 - Math.min(0.5, (startYear - releaseYear) * 0.03)) / 1000) * 1000;
    const twoDrivers = !carsharing && rs.chance(TWO_DRIVERS[industry]);
    // two drivers work alternate long shifts: the vehicle runs more km a day, a shift pays ~1.8 days
    const drivers: Driver[] = carsharing ? [] : twoDrivers ? [newDriver(type, 1.8), newDriver(type, 1.8)] : [newDriver(type, 1)];
    const svcStart = Math.max(Date.UTC(releaseYear, 0, 1) / DAY_MS, start - 365 * 12);
    const startDay = Math.floor(rs.uni(svcStart, start - 1));
    const baseKm = refKm * (type.km / mixKm) * Math.exp(0.18 * rs.normal()) * (twoDrivers ? 1.35 : 1);
    const ageYears = Math.max(0, startYear - releaseYear) + rs.next();
    const odoKm = ageYears * baseKm * 0.9 * 365 * rs.uni(0.6, 1.1) + rs.uni(200, 4000);
    const odo = Math.round(odoKm * 10);
    const petrol = type.grade !== 'ДТ';
    const ageF: number[] = [];
    for (let y = 0; y < nYears; y++) {
      const age = startYear + y - releaseYear;
      ageF.push(age > 8 ? 1.1 : age > 5 ? 1.05 : 1);
    }
    const life = rs.int(7, 10);
    const paid = rs.chance(industry === 'construction' ? 0.4 : 0.6);
    V[v] = {
      gov,
      type,
      drivers,
      alt: rs.int(0, 1),
      releaseYear,
      startDate: isoOf(startDay),
      isRental,
      hasCasco: rs.chance(CASCO[industry]),
      trailer: rs.chance(type.trailerProb),
      purchase: isRental ? 0 : purchase,
      rentalCost: isRental ? Math.round((purchase * rs.uni(0.018, 0.026)) / 100) * 100 : 0,
      norm: Math.round(rs.uni(type.norm[0], type.norm[1]) * 10) / 10,
      tank: Math.round(rs.uni(type.tank[0], type.tank[1]) / 5) * 5,
      baseKm,
      eff: rs.uni(0.88, 1.0),
      ageF,
      priceMult: 1 + 0.02 * rs.normal(),
      sundayOff: rs.chance(sOff),
      idleP: 0,
      breakdownP: BREAKDOWN_P * (0.7 + 0.05 * Math.max(0, startYear - releaseYear)),
      repairP: 0.02 * (0.7 + 0.05 * Math.max(0, startYear - releaseYear)),
      odo,
      odoEventDay: Infinity,
      odoDelta: 0,
      nextService: odo + Math.round(type.serviceKm * 10 * rs.uni(0.05, 1)),
      serviceCount: rs.int(0, 11),
      nextPads: odo + Math.round(type.padsKm * 10 * rs.uni(0.05, 1)),
      nextTires: 0,
      tiresKm: type.platon || type.hydraulic || type.name === 'Автобус' ? 120000 : 50000,
      nextBelt: petrol ? odo + Math.round(70000 * 10 * rs.uni(0.05, 1)) : 0,
      postingDay: rs.chance(0.35) ? 31 : rs.pick([1, 1, 5, 10, 15, 20, 25, 28]),
      osagoM: round2(rs.uni(type.osago[0], type.osago[1]) * (industry === 'taxi' ? 1.6 : 1) / 12),
      taxM: round2(rs.uni(type.tax[0], type.tax[1]) / 12),
      amortM: isRental ? 0 : round2(purchase / (life * 12)),
      amortLifeYears: life,
      cascoM: 0,
      licenseM: industry === 'pharma' ? round2(rs.uni(700, 1600)) : 0,
      parkingDaily: paid ? round2(Math.round(rs.uni(150, type.platon || type.name === 'Автобус' ? 900 : 500) / 10) * 10) : 0,
      silentParking: 0,
      platonShare: rs.uni(0.45, 0.95),
      tireSpring: 100 + rs.int(-15, 15),
      tireAutumn: 298 + rs.int(-15, 15),
      safetyDoy: rs.int(1, 365),
      kitDoy: rs.int(1, 365),
      downLeft: 0,
      windows: [],
      idleFuelDays: null,
      lastRepair: -1,
      preRepairIso: isoOf(Math.floor(rs.uni(startDay, start - 1))),
      reserved: [],
      role: '',
    };
    const veh = V[v];
    veh.nextTires = odo + Math.round(veh.tiresKm * 10 * rs.uni(0.05, 1));
    veh.cascoM = veh.hasCasco ? round2((purchase * rs.uni(0.025, 0.05)) / 12) : 0;
  }

  // ---------- anomalies and look-alikes ----------
  const rp = new Rng((seed ^ 0x5bd1e995 ^ Math.imul(salt, 0x85ebca77)) >>> 0);
  const anomalies: TruthEntry[] = [];
  const lookalikes: TruthEntry[] = [];
  const skipped: { rule: Rule; reason: string }[] = [];
  const order = rp.shuffle([...Array(nV).keys()]);
  let cursor = 0;
  const free = (v: Vehicle, s: number, e: number) => v.reserved.every(([a, b]) => e < a - 3 || s > b + 3);
  const findVehicle = (pred: (v: Vehicle) => boolean, s: number, e: number): Vehicle | null => {
    for (let k = 0; k < nV; k++) {
      const veh = V[order[(cursor + k) % nV]];
      if (pred(veh) && free(veh, s, e)) {
        cursor = (cursor + k + 1) % nV;
        veh.reserved.push([s, e]);
        return veh;
      }
    }
    return null;
  };
  const fullMonths = months.map((_, i) => i).filter((i) => months[i].full);
  const monthPool = fullMonths.length ? fullMonths : months.map((_, i) => i);
  // k consecutive months from the pool → [firstMonthIdx, lastMonthIdx]
  const pickMonths = (k: number): [number, number] => {
    const kk = Math.min(k, monthPool.length);
    const i = rp.int(0, monthPool.length - kk);
    return [monthPool[i], monthPool[i + kk - 1]];
  };
  // a few tries with fresh random windows before giving up on a case (small fleets fill up)
  const attempt = <T,>(fn: () => T | null): T | null => {
    for (let i = 0; i < 25; i++) {
      const got = fn();
      if (got) return got;
    }
    return null;
  };
  const perRule = Math.max(1, Math.round(nV / 10));
  const nLook = Math.max(1, Math.round(nV / 20));
  const range = (a: number, b: number) => ({ period_start: days[a].iso, period_end: days[b].iso });
  const ymList = (a: number, b: number) => months.slice(a, b + 1).map((x) => x.ym);

  if (withAnomalies) {
    // high_salary — a driver's pay ×2–3 in one or two months
    if (carsharing) skipped.push({ rule: 'high_salary', reason: 'carsharing has no drivers or salaries' });
    else {
      for (let n = 0; n < perRule; n++) {
        const k = rp.chance(0.4) ? 2 : 1;
        const got =
          attempt(() => {
            const [m0, m1] = pickMonths(k);
            const veh = findVehicle((x) => x.drivers.length === 1 && !x.drivers[0].role, months[m0].first, months[m1].last);
            return veh && { veh, m0, m1 };
          }) ??
          attempt(() => {
            const [m0, m1] = pickMonths(k);
            const veh = findVehicle((x) => x.drivers.length > 0 && x.drivers[0].hs === null, months[m0].first, months[m1].last);
            return veh && { veh, m0, m1 };
          });
        if (!got) break;
        const { veh, m0, m1 } = got;
        const drv = veh.drivers[0];
        drv.role = 'high_salary';
        drv.hs = new Map();
        const f = round2(rp.uni(2, 3));
        for (let mi = m0; mi <= m1; mi++) drv.hs.set(mi, f);
        anomalies.push({
          rule: 'high_salary', subject_kind: 'driver', subject: drv.name, ...range(months[m0].first, months[m1].last),
          note: `salary ×${f} in ${ymList(m0, m1).join(', ')}`, factor: f, months: ymList(m0, m1), vehicle: veh.gov,
        });
      }
    }
    // fuel_norm_check — litres 20–40% over norm for 1–3 months
    for (let n = 0; n < perRule; n++) {
      const k = rp.int(1, 3);
      const got = attempt(() => {
        const [m0, m1] = pickMonths(k);
        const veh = findVehicle(() => true, months[m0].first, months[m1].last);
        return veh && { veh, m0, m1 };
      });
      if (!got) break;
      const { veh, m0, m1 } = got;
      const f = round2(rp.uni(1.2, 1.4));
      veh.windows.push({ kind: 'fuel_norm', start: months[m0].first, end: months[m1].last, factor: f });
      anomalies.push({
        rule: 'fuel_norm_check', subject_kind: 'vehicle', subject: veh.gov, ...range(months[m0].first, months[m1].last),
        note: `fuel litres ×${f} of normal consumption in ${ymList(m0, m1).join(', ')}`, factor: f, months: ymList(m0, m1),
        norm_l_per_100km: veh.norm,
      });
    }
    // idle_fuel — fuel bought on 3–7 zero-km days in a month
    for (let n = 0; n < perRule; n++) {
      const got = attempt(() => {
        const mo = months[pickMonths(1)[0]];
        const veh = findVehicle((x) => x.idleFuelDays === null, mo.first, mo.last);
        return veh && { veh, mo };
      });
      if (!got) break;
      const { veh, mo } = got;
      const span = mo.last - mo.first + 1;
      const want = Math.min(span, rp.int(3, 7));
      const set = new Set<number>();
      if (veh.sundayOff) for (let d = mo.first; d <= mo.last && set.size < want; d++) if (days[d].dow === 0 && rp.chance(0.8)) set.add(d);
      let guard = 0;
      while (set.size < want && guard++ < 1000) set.add(rp.int(mo.first, mo.last));
      veh.idleFuelDays = set;
      const ds = [...set].sort((a, b) => a - b);
      anomalies.push({
        rule: 'idle_fuel', subject_kind: 'vehicle', subject: veh.gov, ...range(mo.first, mo.last),
        note: `fuel bought on ${ds.length} days without mileage in ${mo.ym}`, month: mo.ym, dates: ds.map((d) => days[d].iso),
        // the month's litres then exceed the norm too: a fuel_norm_check finding here is consistent
        also_flags: ['fuel_norm_check'],
      });
    }
    // driver_fines — a driver with 4–7× the usual fines per km, over the whole period
    if (carsharing) skipped.push({ rule: 'driver_fines', reason: 'carsharing has no drivers or fines' });
    else {
      for (let n = 0; n < perRule; n++) {
        const veh =
          findVehicle((x) => x.drivers.length === 1 && !x.drivers[0].role && !x.role, 0, -1e9) ??
          findVehicle((x) => x.drivers.length > 0 && x.drivers[0].fineMult === 1 && !x.role, 0, -1e9);
        if (!veh) break;
        veh.reserved.pop(); // a whole-period trait, not a window
        const drv = veh.drivers[0];
        drv.role = 'driver_fines';
        drv.fineMult = round2(rp.uni(4, 7));
        anomalies.push({
          rule: 'driver_fines', subject_kind: 'driver', subject: drv.name, ...range(0, nD - 1),
          note: `fines ×${drv.fineMult} the usual rate per 1000 km`, factor: drv.fineMult, vehicle: veh.gov,
        });
      }
    }
    // price_per_liter — 15–30% more per litre for a month
    for (let n = 0; n < perRule; n++) {
      const got = attempt(() => {
        const mo = months[pickMonths(1)[0]];
        const veh = findVehicle(() => true, mo.first, mo.last);
        return veh && { veh, mo };
      });
      if (!got) break;
      const { veh, mo } = got;
      const f = round2(rp.uni(1.15, 1.3));
      veh.windows.push({ kind: 'price', start: mo.first, end: mo.last, factor: f });
      anomalies.push({
        rule: 'price_per_liter', subject_kind: 'vehicle', subject: veh.gov, ...range(mo.first, mo.last),
        note: `price per litre ×${f} in ${mo.ym}`, factor: f, month: mo.ym,
      });
    }
    // silent_assets — ≥ 30 days with no km but parking/insurance/tax still charged
    if (nD < 34) skipped.push({ rule: 'silent_assets', reason: `needs ≥ 34 days of data, got ${nD}` });
    else {
      for (let n = 0; n < perRule; n++) {
        const len = rp.int(30, Math.min(75, nD - 2));
        const got = attempt(() => {
          const s = rp.int(0, nD - len);
          const veh = findVehicle(() => true, s, s + len - 1);
          return veh && { veh, s };
        });
        if (!got) break;
        const { veh, s } = got;
        veh.windows.push({ kind: 'silent', start: s, end: s + len - 1, factor: 1 });
        veh.silentParking = veh.parkingDaily || round2(Math.round(rp.uni(200, 600) / 10) * 10);
        anomalies.push({
          rule: 'silent_assets', subject_kind: 'vehicle', subject: veh.gov, ...range(s, s + len - 1),
          note: `${len} days without mileage while parking ${veh.silentParking} ₽/day, insurance, tax${veh.isRental ? ', rent' : ''} are paid`,
          days: len,
        });
      }
    }
    // odometer_check — a rollback or a > 2000 km jump that persists
    if (nD < 3) skipped.push({ rule: 'odometer_check', reason: `needs ≥ 3 days of data, got ${nD}` });
    else {
      for (let n = 0; n < perRule; n++) {
        const lo = Math.min(7, Math.floor(nD / 3));
        const got = attempt(() => {
          const d = rp.int(Math.max(1, lo), Math.max(1, nD - 1 - lo));
          const veh = findVehicle((x) => x.odoEventDay === Infinity, d - 1, d + 1);
          return veh && { veh, d };
        });
        if (!got) break;
        const { veh, d } = got;
        const back = rp.chance(0.5);
        const deltaKm = back ? -Math.min(rp.int(3000, 40000), Math.floor(veh.odo / 10 / 2)) : rp.int(2500, 15000);
        veh.odoEventDay = d;
        veh.odoDelta = deltaKm * 10;
        anomalies.push({
          rule: 'odometer_check', subject_kind: 'vehicle', subject: veh.gov, ...range(d, d),
          note: back ? `odometer rolled back by ${-deltaKm} km` : `odometer jumps by ${deltaKm} km in one day`,
          kind: back ? 'backwards' : 'jump', delta_km: deltaKm,
        });
      }
    }
  } else {
    for (const r of RULES) skipped.push({ rule: r, reason: 'anomalies disabled' });
  }
  const noRoom = (rule: Rule) => {
    if (withAnomalies && !skipped.some((x) => x.rule === rule) && !anomalies.some((a) => a.rule === rule)) {
      skipped.push({ rule, reason: `no room for a case in ${nV} vehicle(s) × ${nD} day(s)` });
    }
  };

  // look-alikes: legitimate patterns that resemble the rules
  if (nD >= 20) {
    for (let n = 0; n < nLook; n++) {
      const len = rp.int(15, Math.min(35, nD - 2));
      const s = rp.int(0, nD - len);
      const veh = findVehicle(() => true, s, s + len - 1);
      if (!veh) break;
      veh.windows.push({ kind: 'repair_idle', start: s, end: s + len - 1, factor: 1 });
      lookalikes.push({
        rule: 'silent_assets', subject_kind: 'vehicle', subject: veh.gov, ...range(s, s + len - 1),
        note: `idle ${len} days for a major repair, with repair costs posted (legitimate)`, days: len,
      });
    }
  }
  {
    let made = 0;
    for (let k = 0; k < nV && made < nLook; k++) {
      const veh = V[order[(cursor + k) % nV]];
      if (veh.reserved.length || veh.role || startYear - veh.releaseYear < 9) continue;
      veh.role = 'old_vehicle';
      veh.eff = rp.uni(1.0, 1.03);
      made++;
      lookalikes.push({
        rule: 'fuel_norm_check', subject_kind: 'vehicle', subject: veh.gov, ...range(0, nD - 1),
        note: `old vehicle (${veh.releaseYear}): ~+${Math.round((veh.eff * 1.1 - 1) * 100)}% over the nominal norm, within the +10% age allowance (legitimate)`,
        release_year: veh.releaseYear,
      });
    }
  }
  if (!carsharing) {
    let made = 0;
    for (let k = 0; k < nV && made < nLook; k++) {
      const veh = V[order[(cursor + 7 + k) % nV]];
      if (veh.drivers.length !== 1 || veh.drivers[0].role || veh.role || veh.reserved.length) continue;
      veh.role = 'high_km';
      veh.drivers[0].role = 'high_km';
      const f = rp.uni(1.6, 1.9);
      veh.baseKm *= f;
      made++;
      lookalikes.push({
        rule: 'driver_fines', subject_kind: 'driver', subject: veh.drivers[0].name, ...range(0, nD - 1),
        note: `drives ×${f.toFixed(2)} the usual km and gets proportionally more fines; fines per 1000 km are normal (legitimate)`,
        vehicle: veh.gov,
      });
    }
  }
  if (!carsharing) {
    for (const mo of months) {
      if (days[mo.first].month !== 12) continue;
      lookalikes.push({
        rule: 'high_salary', subject_kind: 'client', subject: '*', ...range(mo.first, mo.last),
        note: 'December: every driver gets a 15–35% year-end bonus (legitimate; not an outlier within the month)',
      });
    }
  }
  for (let mi = 0; mi < months.length; mi++) {
    const mo = months[mi];
    const mon = days[mo.first].month;
    if (mon !== 11 && !(mi === 0 && (mon === 12 || mon <= 3))) continue;
    let last = mi;
    while (last + 1 < months.length && [12, 1, 2, 3].includes(days[months[last + 1].first].month)) last++;
    lookalikes.push({
      rule: 'fuel_norm_check', subject_kind: 'client', subject: '*', ...range(mo.first, months[last].last),
      note: 'winter: every vehicle uses 6–12% more fuel per km (Nov–Mar), within the +10% winter allowance (legitimate)',
    });
    mi = last;
  }

  // duplicate rows (listed with line numbers as they are written)
  // half of them follow the original row, the others come 1–3 days later (an overlapping re-export)
  const dupKeys = new Map<number, { entry: TruthEntry; delay: number }>();
  if (withAnomalies) {
    const want = Math.min(perRule, nV * nD);
    let guard = 0;
    while (dupKeys.size < want && guard++ < want * 20) {
      const v = rp.int(0, nV - 1);
      const d = rp.int(0, nD - 1);
      const key = v * nD + d;
      if (dupKeys.has(key)) continue;
      let delay = rp.chance(0.5) ? 0 : rp.int(1, 3);
      if (d + delay >= nD) delay = 0;
      dupKeys.set(key, {
        entry: {
          rule: 'duplicate_rows', subject_kind: 'vehicle', subject: V[v].gov, ...range(d, d),
          note: 'exact duplicate row', lines: [] as number[],
        },
        delay,
      });
    }
  }

  // kilometres: the fleet's mean working-day km equals the market figure ÷ (1 − zero-km share)
  {
    const mean = V.reduce((a, x) => a + x.baseKm, 0) / nV;
    for (const x of V) x.baseKm *= refKm / mean;
  }
  // zero-km days: planned windows + days off + idle days + breakdowns ≈ ZERO_TARGET
  {
    let planned = 0;
    for (const x of V) {
      for (const w of x.windows) if (w.kind === 'silent' || w.kind === 'repair_idle') planned += w.end - w.start + 1;
      if (x.idleFuelDays) planned += x.idleFuelDays.size;
    }
    const target = Math.min(ZERO_TARGET, Math.max(0.04, ZERO_TARGET - planned / (nV * nD)));
    const sReal = V.filter((x) => x.sundayOff).length / nV;
    const bd = (3 * V.reduce((a, x) => a + x.breakdownP, 0)) / nV;
    const zOff = 1 / 7 + 3 / 365 + (6 / 7) * (0.012 + bd);
    const idleOn = sReal >= 1 ? 0.005 : Math.max(0.005, (target - sReal * zOff) / (1 - sReal) - bd);
    for (const x of V) x.idleP = x.sundayOff ? 0.012 : idleOn;
  }

  // ---------- expenses.csv ----------
  await mkdir(outDir, { recursive: true });
  const expensesCsv = join(outDir, 'expenses.csv');
  const vehiclesCsv = join(outDir, 'vehicles.csv');
  const truthJson = join(outDir, 'truth.json');
  const ws = createWriteStream(expensesCsv, { highWaterMark: 1 << 20 });
  let streamError: Error | null = null;
  ws.on('error', (e) => {
    streamError = e;
  });
  const failed = () => streamError;
  const r = new Rng((seed ^ 0x2545f491 ^ Math.imul(salt, 0xc2b2ae3d)) >>> 0);
  let buf = header.join(',') + '\n';
  let line = 1; // header
  let rows = 0;
  const tolls = TOLL_INDUSTRIES.has(industry);
  const season = (month: number) => 1 + SEASON_AMP[industry] * Math.cos((2 * Math.PI * (month - 7)) / 12);
  const seasonK = Array.from({ length: 13 }, (_, i) => (i === 0 ? 1 : season(i)));
  const prefix = V.map((veh) => `${veh.gov},`);
  const zeroRun = Array.from({ length: nM + 1 }, (_, k) => ',0'.repeat(k));
  const pending = new Map<number, { s: string; entry: TruthEntry }[]>();
  const typeCell = V.map((veh) => `,${veh.type.name},`);

  for (let d = 0; d < nD; d++) {
    const di = days[d];
    const sk = seasonK[di.month];
    const wf = WINTER[di.month];
    const postLastDay = di.dom === di.dim;
    for (let v = 0; v < nV; v++) {
      const veh = V[v];
      const type = veh.type;
      m.fill(0);
      // --- state of the day
      let zero = false;
      let idleFuel = false;
      let silent = false;
      let repairIdle = false;
      let fuelF = 1;
      let priceF = 1;
      for (let w = 0; w < veh.windows.length; w++) {
        const win = veh.windows[w];
        if (d < win.start || d > win.end) continue;
        if (win.kind === 'silent') { silent = true; zero = true; }
        else if (win.kind === 'repair_idle') {
          repairIdle = true;
          zero = true;
          if (d === win.start) {
            add(C.repair, r.uni(60000, 350000) * (type.platon || type.hydraulic || type.name === 'Автобус' ? 1.5 : 0.6));
            veh.lastRepair = d;
          } else if (d === win.end) {
            add(C.maintenance, r.uni(type.serviceCost[0], type.serviceCost[1]));
            add(C.oil, r.uni(type.oilCost[0], type.oilCost[1]));
            add(C.filters, r.uni(1500, 6000));
          } else if (r.chance(0.12)) {
            add(C.repair, r.lognormal(type.repairMedian, 0.7));
            veh.lastRepair = d;
          }
        } else if (win.kind === 'fuel_norm') fuelF = win.factor * (1 + 0.04 * r.normal());
        else if (win.kind === 'price') priceF = win.factor * (1 + 0.01 * r.normal());
      }
      if (veh.idleFuelDays !== null && veh.idleFuelDays.has(d)) { zero = true; idleFuel = true; }
      if (!zero) {
        if (veh.downLeft > 0) { zero = true; veh.downLeft--; }
        else if (veh.sundayOff && (di.dow === 0 || (di.month === 1 && di.dom <= 3))) zero = true;
        else if (r.next() < veh.idleP) zero = true;
        else if (r.next() < veh.breakdownP) {
          zero = true;
          veh.downLeft = r.int(0, 4);
          add(C.repair, Math.min(900000, r.lognormal(type.repairMedian * 3, 0.8)));
          if (r.chance(0.3)) add(C.pads, r.uni(type.padsCost[0], type.padsCost[1]));
          if (r.chance(0.2)) add(C.filters, r.uni(800, 4000));
          veh.lastRepair = d;
        }
      }
      // --- kilometres, odometer
      let kmT = 0; // tenths of km
      if (!zero) {
        let f = 1 + 0.25 * r.normal();
        if (f < 0.25) f = 0.25 + 0.1 * r.next();
        else if (f > 1.9) f = 1.9;
        kmT = Math.max(20, Math.round(veh.baseKm * sk * f * 10));
      } else if (idleFuel && r.chance(0.3)) {
        kmT = r.int(1, 4) * 10;
      }
      veh.odo += kmT;
      const odoRead = d >= veh.odoEventDay ? veh.odo + veh.odoDelta : veh.odo;
      const km = kmT / 10;
      // --- driver
      let drv: Driver | null = null;
      if (veh.drivers.length === 1) drv = veh.drivers[0];
      else if (veh.drivers.length === 2) drv = veh.drivers[(d + veh.alt) & 1];
      // --- fuel
      let litresH = 0; // hundredths of a litre
      let fuelCents = 0;
      let litres = 0;
      if (!zero) {
        litres = (km * veh.norm) / 100 * veh.eff * veh.ageF[di.yearIdx] * wf * (1 + 0.05 * r.normal()) * fuelF;
      } else if (idleFuel) {
        litres = Math.min(veh.tank, 250) * r.uni(0.2, 0.55);
      } else if (!silent && !repairIdle && r.next() < 0.004) {
        litres = Math.min(veh.tank, 200) * r.uni(0.08, 0.25); // an occasional top-up on a day off
      }
      if (litres > 0) {
        litresH = Math.round(litres * 100);
        const price = round2(FUEL_PRICE[type.grade] * priceIndex[di.monthIdx] * veh.priceMult * (1 + 0.012 * r.normal()) * priceF);
        fuelCents = Math.round((litresH / 100) * price * 100);
      }
      // --- salary and fines (working days only)
      if (drv !== null && kmT >= 50) {
        let pay = drv.rate * (0.8 + 0.2 * Math.min(km / (veh.baseKm * sk), 1.8)) * (1 + 0.05 * r.normal());
        if (drv.hs !== null) {
          const hf = drv.hs.get(di.monthIdx);
          if (hf !== undefined) pay *= hf * (1 + 0.08 * r.normal());
        }
        if (di.month === 12) pay *= drv.decBonus; // year-end bonus, paid to everyone
        add(C.salary, pay);
        const p = (drv.fineP * drv.fineMult * km) / refKm;
        if (r.next() < p) {
          add(C.fines, r.weighted(FINES));
          if (r.next() < p * 0.25) add(C.fines, r.weighted(FINES));
        }
      }
      // --- parking
      if (silent) add(C.parking, veh.silentParking);
      else if (veh.parkingDaily > 0 && !repairIdle) add(C.parking, veh.parkingDaily);
      // --- monthly postings
      if (di.dom === veh.postingDay || (veh.postingDay > di.dim && postLastDay)) {
        add(C.insurance, veh.osagoM);
        add(C.tax, veh.taxM);
        if (veh.amortM > 0 && di.year - veh.releaseYear < veh.amortLifeYears + 3) add(C.amort, veh.amortM);
        if (veh.cascoM > 0) add(C.casco, veh.cascoM);
        if (veh.isRental) add(C.rental, veh.rentalCost);
        if (veh.licenseM > 0) add(C.licenses, veh.licenseM);
        if (type.reefer) add(C.tempControl, r.uni(3500, 9000));
        if (type.hydraulic) add(C.lubricants, r.uni(600, 2200));
      }
      // --- wear: maintenance, pads, belts, random repairs, tyres
      if (veh.odo >= veh.nextService) {
        veh.serviceCount++;
        veh.nextService = veh.odo + Math.round(type.serviceKm * 10 * r.uni(0.9, 1.1));
        add(C.maintenance, r.uni(type.serviceCost[0], type.serviceCost[1]));
        add(C.oil, r.uni(type.oilCost[0], type.oilCost[1]));
        add(C.filters, r.uni(1200, 5000) * (type.platon || type.hydraulic ? 2 : 1));
        if (type.grade === 'ДТ') add(C.fuelFilters, r.uni(1500, 6000));
        else if (veh.serviceCount % 2 === 0) { add(C.plugs, r.uni(1600, 4800)); add(C.fuelFilters, r.uni(600, 1800)); }
        if (veh.serviceCount % 3 === 0) add(C.brakeFluid, r.uni(600, 2200));
        if (veh.serviceCount % 4 === 0) add(C.antifreeze, r.uni(1200, 4500));
        if (type.hydraulic && veh.serviceCount % 2 === 0) add(C.hydraulic, r.uni(6000, 22000));
      }
      if (veh.odo >= veh.nextPads) {
        veh.nextPads = veh.odo + Math.round(type.padsKm * 10 * r.uni(0.8, 1.2));
        add(C.pads, r.uni(type.padsCost[0], type.padsCost[1]));
      }
      if (veh.odo >= veh.nextTires) {
        veh.nextTires = veh.odo + Math.round(veh.tiresKm * 10 * r.uni(0.85, 1.15));
        add(C.tire, r.uni(type.tireChange[0], type.tireChange[1]) * r.uni(10, 13));
      }
      if (veh.nextBelt > 0 && veh.odo >= veh.nextBelt) {
        veh.nextBelt = veh.odo + Math.round(70000 * 10 * r.uni(0.9, 1.1));
        add(C.belts, r.uni(7000, 18000));
      }
      if (!silent && !repairIdle && r.next() < veh.repairP) {
        add(C.repair, Math.min(400000, Math.max(700, r.lognormal(type.repairMedian, 0.9))));
        veh.lastRepair = d;
      }
      if (di.doy === veh.tireSpring || di.doy === veh.tireAutumn) add(C.tire, r.uni(type.tireChange[0], type.tireChange[1]));
      // --- working-day costs
      if (kmT >= 50) {
        if (r.next() < 0.003) add(C.tire, r.uni(800, 3500) * (type.platon || type.hydraulic ? 3 : 1));
        if (r.next() < 1 / type.carwashEvery) add(C.carwash, r.uni(type.carwashCost[0], type.carwashCost[1]));
        if (tolls) {
          if (type.platon) add(C.tolls, km * veh.platonShare * PLATON_RUB_PER_KM);
          else if (r.next() < (type.name === 'Автобус' ? 0.3 : 0.05)) add(C.tolls, r.uni(150, 1200));
        }
        if (industry === 'logistics') {
          if (type.name === 'Фура' && r.next() < 0.025) add(C.customs, Math.min(120000, r.lognormal(15000, 0.6)));
          if (type.platon) {
            if (r.next() < 0.35) add(C.cargoIns, r.uni(150, 700));
            if (r.next() < 0.03) add(C.transloading, r.uni(1500, 9000));
          }
        } else if (industry === 'pharma') {
          if (r.next() < 0.06) add(C.sterilization, r.uni(1200, 2600));
        }
      }
      if (type.reefer && r.next() < 0.004) add(C.tempControl, r.uni(8000, 40000));
      if (C.bucket >= 0 && type.name === 'Экскаватор' && r.next() < 0.02) add(C.bucket, r.uni(6000, 35000));
      if (type.hydraulic && r.next() < 0.006) add(C.hydraulic, r.uni(3000, 16000));
      if (di.month <= 2 && r.next() < 0.002) add(C.antifreeze, r.uni(400, 1500));
      if (r.next() < 0.05) add(C.other, Math.min(80000, r.lognormal(2000, 0.8)));
      if (di.doy === veh.safetyDoy) add(C.extinguishers, r.uni(900, 2500) * (type.platon || type.name === 'Автобус' ? 2 : 1));
      if (di.doy === veh.kitDoy) add(C.kits, r.uni(500, 1200));

      // --- the row
      let s = prefix[v] + di.iso + ',' + (drv === null ? '' : drv.name) + typeCell[v] + fmt10(kmT) + ',' +
        fmt100(fuelCents) + ',' + fmt100(litresH) + ',' + fmt10(odoRead);
      let run = 0; // zeros pending, written as one precomputed ",0,0,…"
      for (let i = 0; i < nM; i++) {
        const c = m[i];
        if (c === 0) {
          run++;
          continue;
        }
        if (run > 0) {
          s += zeroRun[run];
          run = 0;
        }
        s += ',' + fmt100(c);
        sums[i] += c;
      }
      s += run > 0 ? zeroRun[run] + '\n' : '\n';
      sumFuelCents += fuelCents;
      sumLitresH += litresH;
      sumKmT += kmT;
      if (kmT === 0) zeroKmDays++;
      buf += s;
      line++;
      rows++;
      if (dupKeys.size) {
        const dup = dupKeys.get(v * nD + d);
        if (dup !== undefined) {
          (dup.entry.lines as number[]).push(line);
          if (dup.delay === 0) {
            buf += s;
            line++;
            rows++;
            (dup.entry.lines as number[]).push(line);
          } else {
            const list = pending.get(d + dup.delay) ?? [];
            list.push({ s, entry: dup.entry });
            pending.set(d + dup.delay, list);
          }
        }
      }
      if (buf.length >= CHUNK) {
        await writeChunk(ws, buf, failed);
        buf = '';
      }
    }
    const late = pending.get(d);
    if (late !== undefined) {
      for (const { s, entry } of late) {
        buf += s;
        line++;
        rows++;
        (entry.lines as number[]).push(line);
      }
      pending.delete(d);
    }
  }
  for (const { entry } of dupKeys.values()) {
    const [a, b] = entry.lines as number[];
    entry.note = `line ${b} is an exact duplicate of line ${a}${b === a + 1 ? '' : ' (repeated in a later day\'s block)'}`;
  }
  if (buf.length) await writeChunk(ws, buf, failed);
  ws.end();
  await finished(ws);

  // ---------- vehicles.csv ----------
  let vbuf = VEHICLE_COLUMNS.join(',') + '\n';
  for (const veh of V) {
    const finalOdo = veh.odo + (veh.odoEventDay < nD ? veh.odoDelta : 0);
    vbuf += [
      veh.gov,
      veh.type.name,
      veh.drivers[0]?.name ?? '',
      veh.releaseYear,
      String(finalOdo / 10),
      veh.norm,
      veh.tank,
      veh.trailer,
      veh.isRental,
      veh.hasCasco,
      veh.isRental ? '' : veh.purchase,
      veh.isRental ? veh.rentalCost : '',
      veh.startDate,
      veh.lastRepair >= 0 ? days[veh.lastRepair].iso : veh.preRepairIso,
    ].join(',') + '\n';
  }
  await writeFile(vehiclesCsv, vbuf);

  // ---------- truth.json ----------
  for (const { entry } of dupKeys.values()) anomalies.push(entry);
  for (const rule of RULES) noRoom(rule);
  const counts: Record<string, number> = {};
  for (const rule of RULES) counts[rule] = anomalies.filter((a) => a.rule === rule).length;
  const sumsRub: Record<string, number> = { fuel: sumFuelCents / 100 };
  for (let i = 0; i < nM; i++) sumsRub[money[i]] = sums[i] / 100;
  const uniqueRows = nV * nD;
  const perVehicleDay: Record<string, number> = {};
  for (const [k, val] of Object.entries(sumsRub)) perVehicleDay[k] = round2(val / uniqueRows);
  const truth = {
    generator: 'fleetsight generate',
    version: 1,
    options: {
      vehicles: nV, days: nD, industry, industry_ru: industryRu(industry), seed, anomalies: withAnomalies,
      start_date: days[0].iso, end_date: days[nD - 1].iso,
    },
    files: { vehicles: 'vehicles.csv', expenses: 'expenses.csv' },
    expense_columns: header,
    fuel_grades: Object.fromEntries([...new Set(V.map((x) => x.type.name))].map((n) => [n, VEHICLE_TYPES[n].grade])),
    vehicle_columns: [...VEHICLE_COLUMNS],
    rows,
    unique_rows: uniqueRows,
    duplicate_rows: rows - uniqueRows,
    drivers: V.reduce((a, veh) => a + veh.drivers.length, 0),
    rules: RULES.filter((x) => counts[x] > 0),
    skipped_rules: skipped,
    counts,
    anomalies,
    lookalikes,
    stats: {
      note: 'over unique vehicle-days (duplicate rows excluded); money in rubles',
      sums: { daily_distance: sumKmT / 10, fuel_liters: sumLitresH / 100, ...sumsRub },
      per_vehicle_day: perVehicleDay,
      km_per_vehicle_day: round2(sumKmT / 10 / uniqueRows),
      market_km_per_vehicle_day: MARKET_KM[industry],
      zero_km_share: Math.round((zeroKmDays / uniqueRows) * 10000) / 10000,
    },
  };
  await writeFile(truthJson, JSON.stringify(truth, null, 2) + '\n');
  return { vehiclesCsv, expensesCsv, truthJson, rows, vehicles: nV };
}
