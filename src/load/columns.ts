// The columns of fleet.expenses and fleet.vehicles that a source can fill, derived from the
// canonical fields (reference/fields.csv) so a new field is a data row plus a migration, not code.
import { loadFieldDefs, type FieldDef } from "../ingest/headers.js";
import type { TableKind } from "../ingest/types.js";

export interface Column {
  name: string;
  type: FieldDef["type"];
  /** The staging column type: wide enough that a value the validator accepted never fails COPY. */
  stageType: string;
}

const stageTypeOf: Record<FieldDef["type"], string> = {
  text: "text",
  date: "date",
  numeric: "numeric",
  money: "numeric",
  boolean: "boolean",
  integer: "integer",
};

/** The key columns come first; `extra` (unknown source columns) is appended by the loader. */
export function columnsOf(kind: TableKind): Column[] {
  return loadFieldDefs()
    .filter((f) => f.field !== "client_id" && (f.table === kind || f.table === "both"))
    .map((f) => ({ name: f.field, type: f.type, stageType: stageTypeOf[f.type] }));
}

/** Ranges of the target columns; a value outside is a row reject, never a failed COPY. */
export const columnLimits: Record<string, { min?: number; maxAbs: number }> = {
  daily_distance: { min: 0, maxAbs: 99_999_999.99 },
  fuel_liters: { min: 0, maxAbs: 999_999_999.999 },
  odometer_km: { maxAbs: 99_999_999_999.9 },
  release_year: { min: 1900, maxAbs: 2100 },
};
export const MONEY_MAX_ABS = 999_999_999_999.99;
