import { runMigrations } from "graphile-worker";
import { quietWorkerLogger } from "../../worker/logger.js";
import { usage } from "../errors.js";

/** Plumbing for developer tooling: `internal worker-schema` installs graphile-worker's schema into
 *  $GM_DBURL (graphile-migrate's afterReset hook) or the database in use. */
export async function internalCommand(args: string[]): Promise<number> {
  if (args[0] !== "worker-schema") throw usage("usage: fleetsight internal worker-schema");
  const url = process.env.GM_DBURL ?? process.env.DATABASE_URL;
  if (!url) throw usage("internal worker-schema needs GM_DBURL or DATABASE_URL");
  await runMigrations({ connectionString: url, logger: quietWorkerLogger });
  return 0;
}
