// Static catalogue for the synthetic fleet generator: industries, canonical columns
// (mirrors reference/fields.csv; test/generate.test.ts checks the two agree), vehicle types.

export interface Industry {
  code: string;
  ru: string;
}

export const INDUSTRIES: Industry[] = [
  { code: 'logistics', ru: 'Логистика' },
  { code: 'construction', ru: 'Строительство' },
  { code: 'pharma', ru: 'Фармацевтика' },
  { code: 'retail', ru: 'Ритейл' },
  { code: 'taxi', ru: 'Такси' },
  { code: 'delivery', ru: 'Доставка' },
  { code: 'buses', ru: 'Автобусы' },
  { code: 'carsharing', ru: 'Каршеринг' },
  { code: 'other', ru: 'Другое' },
];

/** 'logistics' | 'Логистика' | ' ЛОГИСТИКА ' → 'logistics'; unknown → null. */
export function industryCode(nameOrCode: string): string | null {
  if (typeof nameOrCode !== 'string') return null;
  const k = nameOrCode.trim().toLowerCase().replace(/ё/g, 'е');
  if (!k) return null;
  for (const i of INDUSTRIES) {
    if (i.code === k || i.ru.toLowerCase() === k) return i.code;
  }
  return null;
}

export function industryRu(code: string): string {
  const i = INDUSTRIES.find((x) => x.code === code);
  if (!i) throw new Error(`unknown industry code: ${code}`);
  return i.ru;
}

/** Market average kilometres per vehicle-day (reference/market_averages.csv, daily_distance). */
export const MARKET_KM: Record<string, number> = {
  logistics: 113.08,
  construction: 113.05,
  pharma: 112.8,
  retail: 113.87,
  taxi: 113.14,
  delivery: 113.7,
  buses: 113.21,
  carsharing: 113.3,
  other: 113.87,
};

/** Industries whose market figure for flat_roads (toll roads, Платон) is non-zero. */
export const TOLL_INDUSTRIES = new Set(['logistics', 'pharma', 'retail', 'buses', 'other']);

/** Fixed leading columns of expenses.csv. */
export const EXPENSE_FIXED_COLUMNS = [
  'gov_number',
  'date',
  'driver',
  'vehicle_type',
  'daily_distance',
  'fuel',
  'fuel_liters',
  'odometer_km',
] as const;

/**
 * Money fields of reference/fields.csv in file order, except `fuel` (a fixed column),
 * with their `industries` restriction (empty = every industry).
 */
export const MONEY_FIELDS: { field: string; industries: string[] }[] = [
  { field: 'repair', industries: [] },
  { field: 'insurance', industries: [] },
  { field: 'fines', industries: [] },
  { field: 'maintenance', industries: [] },
  { field: 'tire_service', industries: [] },
  { field: 'carwash', industries: [] },
  { field: 'parking', industries: [] },
  { field: 'flat_roads', industries: [] },
  { field: 'calculated_salary', industries: [] },
  { field: 'antifreeze_liquid', industries: [] },
  { field: 'engine_oil', industries: [] },
  { field: 'brake_fluid', industries: [] },
  { field: 'spark_plugs', industries: [] },
  { field: 'fuel_filters', industries: [] },
  { field: 'filters', industries: [] },
  { field: 'timing_belts', industries: [] },
  { field: 'brake_pads', industries: [] },
  { field: 'other_cost', industries: [] },
  { field: 'rental_expense', industries: [] },
  { field: 'amortization', industries: [] },
  { field: 'transport_tax', industries: [] },
  { field: 'casco', industries: [] },
  { field: 'fire_extinguishers', industries: [] },
  { field: 'first_aid_kits', industries: [] },
  { field: 'hydraulic_oil', industries: [] },
  { field: 'special_lubricants', industries: ['construction'] },
  { field: 'customs_fees', industries: ['logistics'] },
  { field: 'cargo_insurance', industries: ['logistics'] },
  { field: 'transloading_fees', industries: ['logistics'] },
  { field: 'temp_control_maintenance', industries: ['logistics', 'pharma'] },
  { field: 'sterilization_costs', industries: ['pharma'] },
  { field: 'pharma_licenses', industries: ['pharma'] },
  { field: 'bucket_parts', industries: ['construction'] },
];

/** Money columns carsharing files do not have: no drivers, so no salaries and no drivers' fines. */
export const CARSHARING_EXCLUDED = new Set(['calculated_salary', 'fines']);

/** Money columns of expenses.csv for an industry (after the fixed ones), in fields.csv order. */
export function moneyColumnsFor(industry: string): string[] {
  return MONEY_FIELDS.filter(
    (m) =>
      (m.industries.length === 0 || m.industries.includes(industry)) &&
      !(industry === 'carsharing' && CARSHARING_EXCLUDED.has(m.field)),
  ).map((m) => m.field);
}

export function expenseColumnsFor(industry: string): string[] {
  return [...EXPENSE_FIXED_COLUMNS, ...moneyColumnsFor(industry)];
}

export const VEHICLE_COLUMNS = [
  'gov_number',
  'vehicle_type',
  'driver',
  'release_year',
  'mileage',
  'fuel_consumption',
  'tank_capacity_l',
  'trailer',
  'is_rental',
  'has_casco',
  'purchase_price',
  'rental_cost',
  'start_date',
  'last_repair_date',
] as const;

export type FuelGrade = 'ДТ' | 'АИ-92' | 'АИ-95';

export interface VehicleType {
  name: string;
  /** normative consumption, l/100 km */
  norm: [number, number];
  tank: [number, number];
  /** purchase price, rubles */
  price: [number, number];
  /** relative daily kilometres (normalised per industry mix) */
  km: number;
  /** driver's pay per working day, rubles */
  salary: number;
  grade: FuelGrade;
  /** pays Платон (heavy truck toll per km) */
  platon: boolean;
  /** maintenance interval, km */
  serviceKm: number;
  serviceCost: [number, number];
  oilCost: [number, number];
  padsKm: number;
  padsCost: [number, number];
  tireChange: [number, number];
  /** median random repair, rubles */
  repairMedian: number;
  carwashEvery: number;
  carwashCost: [number, number];
  /** ОСАГО per year */
  osago: [number, number];
  /** transport tax per year */
  tax: [number, number];
  trailerProb: number;
  hydraulic: boolean;
  reefer: boolean;
}

const T = (v: VehicleType) => v;

export const VEHICLE_TYPES: Record<string, VehicleType> = {
  Фура: T({
    name: 'Фура', norm: [29, 36], tank: [400, 800], price: [7_500_000, 13_000_000], km: 1.8, salary: 3900,
    grade: 'ДТ', platon: true, serviceKm: 30000, serviceCost: [18000, 45000], oilCost: [9000, 16000],
    padsKm: 60000, padsCost: [14000, 32000], tireChange: [12000, 30000], repairMedian: 18000,
    carwashEvery: 12, carwashCost: [1500, 3500], osago: [18000, 38000], tax: [24000, 42000], trailerProb: 0.9,
    hydraulic: false, reefer: false,
  }),
  Рефрижератор: T({
    name: 'Рефрижератор', norm: [20, 27], tank: [200, 400], price: [5_500_000, 9_500_000], km: 1.4, salary: 3700,
    grade: 'ДТ', platon: true, serviceKm: 25000, serviceCost: [15000, 35000], oilCost: [7000, 12000],
    padsKm: 50000, padsCost: [10000, 24000], tireChange: [9000, 22000], repairMedian: 14000,
    carwashEvery: 10, carwashCost: [1200, 2800], osago: [14000, 30000], tax: [12000, 26000], trailerProb: 0.2,
    hydraulic: false, reefer: true,
  }),
  Грузовик: T({
    name: 'Грузовик', norm: [18, 25], tank: [130, 250], price: [3_800_000, 6_500_000], km: 1.2, salary: 3500,
    grade: 'ДТ', platon: true, serviceKm: 20000, serviceCost: [12000, 28000], oilCost: [5000, 9000],
    padsKm: 45000, padsCost: [8000, 18000], tireChange: [8000, 18000], repairMedian: 11000,
    carwashEvery: 12, carwashCost: [1000, 2200], osago: [12000, 26000], tax: [9000, 18000], trailerProb: 0.15,
    hydraulic: false, reefer: false,
  }),
  Газель: T({
    name: 'Газель', norm: [12.5, 15.5], tank: [64, 80], price: [2_100_000, 3_300_000], km: 1.0, salary: 3200,
    grade: 'АИ-92', platon: false, serviceKm: 15000, serviceCost: [7000, 16000], oilCost: [2800, 5000],
    padsKm: 35000, padsCost: [3500, 8000], tireChange: [3500, 7000], repairMedian: 7000,
    carwashEvery: 10, carwashCost: [600, 1300], osago: [9000, 18000], tax: [3000, 7000], trailerProb: 0.05,
    hydraulic: false, reefer: false,
  }),
  Фургон: T({
    name: 'Фургон', norm: [9, 11.5], tank: [50, 60], price: [1_500_000, 2_400_000], km: 1.0, salary: 3000,
    grade: 'АИ-92', platon: false, serviceKm: 15000, serviceCost: [6000, 13000], oilCost: [2500, 4200],
    padsKm: 35000, padsCost: [3000, 6500], tireChange: [3000, 6000], repairMedian: 6000,
    carwashEvery: 9, carwashCost: [500, 1100], osago: [8000, 15000], tax: [1500, 4000], trailerProb: 0,
    hydraulic: false, reefer: false,
  }),
  Самосвал: T({
    name: 'Самосвал', norm: [34, 44], tank: [300, 400], price: [6_500_000, 10_500_000], km: 0.9, salary: 3700,
    grade: 'ДТ', platon: true, serviceKm: 20000, serviceCost: [18000, 40000], oilCost: [8000, 15000],
    padsKm: 35000, padsCost: [14000, 30000], tireChange: [15000, 35000], repairMedian: 20000,
    carwashEvery: 14, carwashCost: [1500, 3500], osago: [16000, 34000], tax: [20000, 38000], trailerProb: 0.1,
    hydraulic: true, reefer: false,
  }),
  Экскаватор: T({
    name: 'Экскаватор', norm: [55, 80], tank: [200, 300], price: [8_000_000, 14_000_000], km: 0.3, salary: 3900,
    grade: 'ДТ', platon: false, serviceKm: 6000, serviceCost: [20000, 45000], oilCost: [10000, 18000],
    padsKm: 40000, padsCost: [10000, 25000], tireChange: [15000, 30000], repairMedian: 25000,
    carwashEvery: 20, carwashCost: [1500, 3000], osago: [6000, 14000], tax: [15000, 30000], trailerProb: 0,
    hydraulic: true, reefer: false,
  }),
  Бетономешалка: T({
    name: 'Бетономешалка', norm: [38, 46], tank: [250, 350], price: [7_000_000, 11_000_000], km: 0.8, salary: 3600,
    grade: 'ДТ', platon: true, serviceKm: 20000, serviceCost: [18000, 38000], oilCost: [8000, 14000],
    padsKm: 35000, padsCost: [14000, 28000], tireChange: [15000, 32000], repairMedian: 18000,
    carwashEvery: 7, carwashCost: [1500, 3000], osago: [16000, 32000], tax: [20000, 36000], trailerProb: 0,
    hydraulic: true, reefer: false,
  }),
  Легковой: T({
    name: 'Легковой', norm: [7, 9.5], tank: [45, 60], price: [1_300_000, 2_600_000], km: 1.0, salary: 2900,
    grade: 'АИ-95', platon: false, serviceKm: 12000, serviceCost: [5000, 11000], oilCost: [2500, 4500],
    padsKm: 30000, padsCost: [2500, 6000], tireChange: [2500, 5000], repairMedian: 5000,
    carwashEvery: 6, carwashCost: [400, 1000], osago: [7000, 16000], tax: [2000, 6000], trailerProb: 0,
    hydraulic: false, reefer: false,
  }),
  Минивэн: T({
    name: 'Минивэн', norm: [9.5, 12], tank: [55, 75], price: [2_500_000, 4_200_000], km: 1.0, salary: 3000,
    grade: 'АИ-95', platon: false, serviceKm: 15000, serviceCost: [6000, 13000], oilCost: [3000, 5000],
    padsKm: 30000, padsCost: [3500, 7500], tireChange: [3000, 6500], repairMedian: 6500,
    carwashEvery: 7, carwashCost: [500, 1200], osago: [8000, 18000], tax: [3000, 8000], trailerProb: 0,
    hydraulic: false, reefer: false,
  }),
  Автобус: T({
    name: 'Автобус', norm: [26, 34], tank: [200, 300], price: [9_000_000, 16_000_000], km: 1.2, salary: 3600,
    grade: 'ДТ', platon: false, serviceKm: 20000, serviceCost: [15000, 35000], oilCost: [8000, 14000],
    padsKm: 40000, padsCost: [12000, 26000], tireChange: [12000, 28000], repairMedian: 15000,
    carwashEvery: 4, carwashCost: [1200, 2500], osago: [20000, 42000], tax: [10000, 22000], trailerProb: 0,
    hydraulic: false, reefer: false,
  }),
  Микроавтобус: T({
    name: 'Микроавтобус', norm: [12, 15], tank: [70, 90], price: [3_000_000, 4_800_000], km: 1.0, salary: 3200,
    grade: 'ДТ', platon: false, serviceKm: 15000, serviceCost: [8000, 16000], oilCost: [3500, 6000],
    padsKm: 35000, padsCost: [4000, 9000], tireChange: [4000, 8000], repairMedian: 8000,
    carwashEvery: 5, carwashCost: [700, 1400], osago: [12000, 24000], tax: [3000, 8000], trailerProb: 0,
    hydraulic: false, reefer: false,
  }),
};

/** Vehicle type mix per industry (weights). */
export const TYPE_MIX: Record<string, [string, number][]> = {
  logistics: [['Фура', 45], ['Грузовик', 25], ['Газель', 20], ['Рефрижератор', 10]],
  construction: [['Самосвал', 35], ['Экскаватор', 15], ['Бетономешалка', 10], ['Грузовик', 20], ['Газель', 10], ['Легковой', 10]],
  pharma: [['Рефрижератор', 45], ['Газель', 35], ['Легковой', 20]],
  retail: [['Грузовик', 35], ['Газель', 45], ['Легковой', 20]],
  taxi: [['Легковой', 88], ['Минивэн', 12]],
  delivery: [['Газель', 40], ['Фургон', 40], ['Легковой', 20]],
  buses: [['Автобус', 70], ['Микроавтобус', 30]],
  carsharing: [['Легковой', 90], ['Минивэн', 10]],
  other: [['Легковой', 40], ['Газель', 30], ['Грузовик', 30]],
};

/** Pump prices (₽/l) in January 2025; prices drift up FUEL_DRIFT per month (before and after). */
export const FUEL_PRICE: Record<FuelGrade, number> = { ДТ: 64, 'АИ-92': 55, 'АИ-95': 60 };
export const FUEL_DRIFT = 0.003;
