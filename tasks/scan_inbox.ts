import type { Task } from "graphile-worker";
import { db } from "../src/db/connection.js";
import { scanInbox } from "../src/load/scan.js";
import { logJobEnd } from "../src/log.js";
import { emptyPayload, parsePayload } from "./payloads.js";

/** scan_inbox {}: enqueue load for every known client with files waiting in the inbox. */
export const scan_inbox: Task = async (payload, helpers) => {
  const started = performance.now();
  parsePayload(emptyPayload, "scan_inbox", payload);
  const r = await scanInbox(await db());
  logJobEnd({ task: "scan_inbox", client_id: null, job_id: helpers.job.id, started, rows: r.files, enqueued: r.clients.length, status: "ok" });
};
