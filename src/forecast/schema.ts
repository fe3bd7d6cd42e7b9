// Request validation for `fleetsight forecast` and friends (zod).
import { z } from "zod";
import { ForecastInputError } from "./errors.js";
import type { ForecastInput } from "./index.js";

const finiteNumber = (what: string) =>
  z
    .number({
      invalid_type_error: `${what} must be a number`,
      required_error: `${what} is required`,
    })
    .finite({ message: `${what} must be a finite number` });

export const forecastRequestSchema = z
  .object({
    values: z
      .array(
        z.number({ invalid_type_error: "values must contain only numbers" }).finite({ message: "values must contain only finite numbers" }),
        { invalid_type_error: "values must be an array of numbers", required_error: "values is required" },
      )
      .min(1, { message: "values must contain at least one number" }),
    frequency: finiteNumber("frequency").int({ message: "frequency must be an integer" }).min(1, { message: "frequency must be >= 1" }).optional(),
    horizon: finiteNumber("horizon")
      .int({ message: "horizon must be an integer" })
      .min(1, { message: "horizon must be between 1 and 120" })
      .max(120, { message: "horizon must be between 1 and 120" })
      .optional(),
    level: finiteNumber("level")
      .gt(0, { message: "level must be a percentage strictly between 0 and 100" })
      .lt(100, { message: "level must be a percentage strictly between 0 and 100" })
      .optional(),
    seed: finiteNumber("seed").int({ message: "seed must be an integer" }).optional(),
  })
  .passthrough();

function formatIssues(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.length > 0 ? i.path.map(String).join(".") : "request";
      return i.path.length > 0 && !i.message.startsWith(String(i.path[0])) ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}

/** Validates an untrusted JSON request; throws ForecastInputError with readable messages. */
export function parseForecastRequest(json: unknown): ForecastInput {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ForecastInputError('forecast request must be a JSON object like {"values": [1, 2, 3]}');
  }
  const r = forecastRequestSchema.safeParse(json);
  if (!r.success) throw new ForecastInputError(`invalid forecast request: ${formatIssues(r.error)}`);
  const out: ForecastInput = { values: r.data.values };
  if (r.data.frequency !== undefined) out.frequency = r.data.frequency;
  if (r.data.horizon !== undefined) out.horizon = r.data.horizon;
  if (r.data.level !== undefined) out.level = r.data.level;
  if (r.data.seed !== undefined) out.seed = r.data.seed;
  return out;
}
