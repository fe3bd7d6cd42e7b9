import { databaseUrl } from "../../db/url.js";
import { runWorker } from "../../worker/run.js";
import { intOption, parse } from "../args.js";

export async function workerCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { concurrency: { type: "string" }, once: { type: "boolean" }, "no-cron": { type: "boolean" } });
  await runWorker({ url: await databaseUrl(), concurrency: intOption(values.concurrency, "concurrency", 2, 1, 64), once: !!values.once, noCron: !!values["no-cron"] });
  return 0;
}
