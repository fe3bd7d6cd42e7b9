import type { Task } from "graphile-worker";
import { db } from "../src/db/connection.js";
import { logJobEnd } from "../src/log.js";
import { sweep as runSweep } from "../src/analyze/sweep.js";
import { emptyPayload, parsePayload } from "./payloads.js";

/** sweep {}: enqueue analyze for every client whose data, budget, industry or analyses changed. */
export const sweep: Task = async (payload, helpers) => {
  const started = performance.now();
  parsePayload(emptyPayload, "sweep", payload);
  const enqueued = await runSweep(await db());
  logJobEnd({ task: "sweep", client_id: null, job_id: helpers.job.id, started, rows: enqueued, enqueued, status: "ok" });
};
