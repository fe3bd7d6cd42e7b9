// The input of the recommendations: the json of fleet.recommendation_facts(client_id, as_of)
// (sql/recommendation_facts.sql), typed and parsed. Pure; no I/O.

export interface VehicleFacts {
  /** gov_number */
  id: string;
  km: number;
  /** fuel rubles */
  fuel: number;
  maintenance: number;
  /** total cost on vehicle-days without kilometres */
  downtime_cost: number;
  total: number;
}

export interface DriverFacts {
  id: string;
  km: number;
  fuel: number;
  fines: number;
  /** distinct days with fines */
  fine_days: number;
}

export interface RecommendationFacts {
  /** The latest year whose December has data, else the latest year; null for an empty client. */
  year: string | null;
  year_complete: boolean;
  year_total: number;
  year_budget: number | null;
  /** all money up to as_of */
  total: number;
  /** ordered by id */
  vehicles: VehicleFacts[];
  /** non-empty drivers, ordered by id */
  drivers: DriverFacts[];
}

const num = (v: unknown): number => {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};

/** Parses the json of fleet.recommendation_facts (string or already-parsed value). */
export function parseFacts(raw: unknown): RecommendationFacts {
  const o = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown> | null;
  if (o === null || typeof o !== "object") throw new TypeError("recommendation facts: expected a json object");
  const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
  return {
    year: o.year == null ? null : String(o.year),
    year_complete: o.year_complete === true,
    year_total: num(o.year_total),
    year_budget: o.year_budget == null ? null : num(o.year_budget),
    total: num(o.total),
    vehicles: arr(o.vehicles).map((v) => ({
      id: String(v.id),
      km: num(v.km),
      fuel: num(v.fuel),
      maintenance: num(v.maintenance),
      downtime_cost: num(v.downtime_cost),
      total: num(v.total),
    })),
    drivers: arr(o.drivers).map((d) => ({
      id: String(d.id),
      km: num(d.km),
      fuel: num(d.fuel),
      fines: num(d.fines),
      fine_days: num(d.fine_days),
    })),
  };
}

/** Deterministic name order (UTF-16 code units), independent of locale and database collation. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
