import { generate } from "../../generate/index.js";
import { intOption, parse } from "../args.js";
import { usage } from "../errors.js";

export async function generateCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    out: { type: "string" },
    vehicles: { type: "string" },
    days: { type: "string" },
    industry: { type: "string" },
    seed: { type: "string" },
    "end-date": { type: "string" },
    "no-anomalies": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (!values.out) throw usage("usage: fleetsight generate --out DIR [--vehicles N --days D --industry X --seed S --end-date YYYY-MM-DD --no-anomalies]");
  const t0 = performance.now();
  const r = await generate(values.out, {
    vehicles: intOption(values.vehicles, "vehicles", 20, 1, 100_000),
    days: intOption(values.days, "days", 365, 1, 20_000),
    industry: values.industry ?? "logistics",
    seed: intOption(values.seed, "seed", 1, 0),
    endDate: values["end-date"],
    anomalies: !values["no-anomalies"],
  });
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(values.json ? JSON.stringify({ ...r, ms }) + "\n" : `generated ${r.rows} expense rows for ${r.vehicles} vehicles in ${ms} ms:\n  ${r.vehiclesCsv}\n  ${r.expensesCsv}\n  ${r.truthJson}\n`);
  return 0;
}
