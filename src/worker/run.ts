// `fleetsight worker`: graphile-worker with our task list and crontab, plus a LISTEN on
// fleet_client_connected so a client linking its database is loaded within a second.
import { readFileSync } from "node:fs";
import { parseCrontab, run, runOnce, type Runner } from "graphile-worker";
import { taskList } from "../../tasks/index.js";
import { crontabPath } from "../paths.js";
import { log } from "../log.js";
import { connect } from "../db/connection.js";
import { workerLogger } from "./logger.js";

export interface WorkerOptions {
  url: string;
  concurrency?: number;
  once?: boolean;
  /** Skip the crontab (tests drive sweeps themselves). */
  noCron?: boolean;
}

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function runWorker(opts: WorkerOptions): Promise<void> {
  if (opts.once) {
    await runOnce({ connectionString: opts.url, taskList, logger: workerLogger, concurrency: opts.concurrency ?? 1 });
    return;
  }
  const runner: Runner = await run({
    connectionString: opts.url,
    concurrency: opts.concurrency ?? 2,
    maxPoolSize: Math.max(10, (opts.concurrency ?? 2) + 2),
    taskList,
    parsedCronItems: opts.noCron ? [] : parseCrontab(readFileSync(crontabPath, "utf8")),
    logger: workerLogger,
  });
  // The dashboard's NOTIFY fleet_client_connected, '<client_id>' → a load job (deduped by job key).
  const listener = connect(opts.url, { max: 1, appName: "fleetsight-listen" });
  await listener.listen("fleet_client_connected", (payload) => {
    const id = payload.trim();
    if (!CLIENT_ID.test(id)) {
      log("warn", "ignored fleet_client_connected with a malformed client id", { payload: payload.slice(0, 80) });
      return;
    }
    listener`select fleet.add_job('load', ${id})`.then(
      () => log("info", "load enqueued on fleet_client_connected", { client_id: id }),
      (e: Error) => log("warn", "fleet_client_connected: could not enqueue load", { client_id: id, error: e.message }),
    );
  });
  log("info", "worker started", { concurrency: opts.concurrency ?? 2, cron: !opts.noCron });
  try {
    // graphile-worker handles SIGTERM/SIGINT itself: running jobs finish, then the promise resolves.
    await runner.promise;
  } finally {
    await listener.end({ timeout: 5 });
    log("info", "worker stopped");
  }
}
