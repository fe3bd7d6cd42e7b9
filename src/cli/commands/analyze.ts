import { db } from "../../db/connection.js";
import { analyzeClient, UnknownClientError } from "../../analyze/run.js";
import { logJobEnd } from "../../log.js";
import { clientIdArg, parse } from "../args.js";
import { CliError } from "../errors.js";

export async function analyzeCommand(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { json: { type: "boolean" }, "as-of": { type: "string" } });
  const id = clientIdArg(positionals[0]);
  const asOf = values["as-of"];
  if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new CliError(`--as-of must be YYYY-MM-DD, got ${JSON.stringify(asOf)}`, 2);
  const started = performance.now();
  try {
    const r = await analyzeClient(await db(), id, { asOf });
    logJobEnd({ task: "analyze", client_id: id, started, rows: r.expenseRows, status: "ok" });
    if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
    else {
      const total = r.analyses.reduce((s, a) => s + a.ms, 0);
      process.stdout.write(
        `${id}: ${r.analyses.length} analyses written to fleet.fraud_json from ${r.expenseRows} expense rows (as of ${r.asOf}) in ${r.steps.total_ms} ms: ` +
          `as_of month ${r.steps.cache_ms} ms, fraud rules ${r.steps.rules_ms} ms, analyses ${total} ms\n`,
      );
      for (const a of r.analyses) process.stdout.write(`  ${a.type.padEnd(40)} ${String(a.ms).padStart(6)} ms ${String(a.bytes).padStart(9)} bytes\n`);
      if (r.skipped.length) process.stdout.write(`  registered without a TypeScript implementation, skipped: ${r.skipped.join(", ")}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UnknownClientError) throw new CliError(`${e.message}; create it with: fleetsight client add ${id} --industry … --budget …`, 4);
    throw e;
  }
}
