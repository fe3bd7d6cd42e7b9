import { forecast, ForecastInputError, parseForecastRequest } from "../../forecast/index.js";
import { intOption, parse } from "../args.js";
import { CliError, EXIT } from "../errors.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** stdin {"values": [...], "frequency": 12, "horizon": 3, "level": 95} → stdout forecast JSON. */
export async function forecastCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { horizon: { type: "string" }, frequency: { type: "string" }, level: { type: "string" } });
  const text = await readStdin();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new CliError(`forecast: stdin is not valid JSON (${(e as Error).message}); expected {"values": [...], "frequency": 12, "horizon": 3}`, EXIT.usage);
  }
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    if (values.horizon !== undefined) o.horizon = intOption(values.horizon, "horizon", 3, 1, 120);
    if (values.frequency !== undefined) o.frequency = intOption(values.frequency, "frequency", 12, 1, 366);
    if (values.level !== undefined) o.level = Number(values.level);
  }
  try {
    const input = parseForecastRequest(body);
    const r = forecast(input);
    process.stdout.write(JSON.stringify(r) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof ForecastInputError) throw new CliError(`forecast: ${e.message}`, EXIT.usage);
    throw e;
  }
}
