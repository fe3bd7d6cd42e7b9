// `fleetsight worker`: graphile-worker with our task list and crontab, plus a LISTEN on
// fleet_client_connected so a client linking its database is loaded within a second.
// startWorker() returns a handle with stop() (tests run the worker in-process); runWorker() is the
// CLI's blocking form.
import { readFileSync } from "node:fs";
import { parseCrontab, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import { taskList as defaultTaskList } from "../../tasks/index.js";
import { crontabPath } from "../paths.js";
import { log } from "../log.js";
import { connect, type Sql } from "../db/connection.js";
import { workerLogger } from "./logger.js";

export interface WorkerOptions {
  url: string;
  concurrency?: number;
  once?: boolean;
  /** Skip the crontab (tests drive sweeps themselves). */
  noCron?: boolean;
  /** Tests only: another task list. */
  taskList?: TaskList;
}

export interface WorkerHandle {
  runner: Runner;
  /** Resolves when the worker has stopped (stop(), or SIGTERM/SIGINT handled by graphile-worker). */
  promise: Promise<void>;
  /** Stop taking jobs, let running jobs finish, stop listening. Idempotent. */
  stop(): Promise<void>;
}

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * graphile-worker 0.17.3 does not await an unbatched completeJob/failJob at shutdown, so a job that
 * finishes just before stop(), SIGTERM or the end of runOnce can stay locked and run again when its
 * lock expires (4 hours). With a batch delay of 0 completions go through a batcher that shutdown
 * waits for. Use it for runOnce in tests too.
 */
export const workerPreset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
export const CLIENT_CONNECTED_CHANNEL = "fleet_client_connected";

/** The dashboard's NOTIFY fleet_client_connected, '<client_id>' → a load job (deduped by job key). */
async function listenClientConnected(listener: Sql): Promise<void> {
  await listener.listen(CLIENT_CONNECTED_CHANNEL, (payload) => {
    const id = (payload ?? "").trim();
    if (!CLIENT_ID.test(id)) {
      log("warn", "ignored fleet_client_connected with a malformed client id", { payload: String(payload ?? "").slice(0, 80) });
      return;
    }
    listener`select fleet.add_job('load', ${id})`.then(
      () => log("info", "load enqueued on fleet_client_connected", { client_id: id }),
      (e: Error) => log("warn", "fleet_client_connected: could not enqueue load", { client_id: id, error: e.message }),
    );
  });
}

export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const runner: Runner = await run({
    connectionString: opts.url,
    concurrency: opts.concurrency ?? 2,
    maxPoolSize: Math.max(10, (opts.concurrency ?? 2) + 2),
    taskList: opts.taskList ?? defaultTaskList,
    parsedCronItems: opts.noCron ? [] : parseCrontab(readFileSync(crontabPath, "utf8")),
    logger: workerLogger,
    preset: workerPreset,
  });
  const listener = connect(opts.url, { max: 1, appName: "fleetsight-listen" });
  try {
    await listenClientConnected(listener);
  } catch (e) {
    await runner.stop().catch(() => {});
    await listener.end({ timeout: 5 }).catch(() => {});
    throw e;
  }
  log("info", "worker started", { concurrency: opts.concurrency ?? 2, cron: !opts.noCron });
  let ended: Promise<void> | null = null;
  const finish = (): Promise<void> =>
    (ended ??= (async () => {
      await listener.end({ timeout: 5 }).catch(() => {});
      log("info", "worker stopped");
    })());
  // graphile-worker handles SIGTERM/SIGINT itself: running jobs finish, then the promise resolves.
  const promise = runner.promise.then(finish, async (e: unknown) => {
    await finish();
    throw e;
  });
  let stopping: Promise<void> | null = null;
  return {
    runner,
    promise,
    stop: () =>
      (stopping ??= (async () => {
        await runner.stop().catch((e: Error) => {
          // Already stopped (e.g. by a signal) is fine.
          if (!/already|stopped/i.test(e.message)) throw e;
        });
        await promise.catch(() => {});
      })()),
  };
}

export async function runWorker(opts: WorkerOptions): Promise<void> {
  if (opts.once) {
    await runOnce({ connectionString: opts.url, taskList: opts.taskList ?? defaultTaskList, logger: workerLogger, concurrency: opts.concurrency ?? 1, preset: workerPreset });
    return;
  }
  const handle = await startWorker(opts);
  await handle.promise;
}
