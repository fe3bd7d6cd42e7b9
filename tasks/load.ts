import type { Task } from "graphile-worker";
import { db } from "../src/db/connection.js";
import { loadClient } from "../src/load/client.js";
import "../src/sources/index.js"; // registers the client database loader
import { log, logJobEnd } from "../src/log.js";
import { loadPayload, parsePayload } from "./payloads.js";

/** load {client_id, files?, full?}: the client's inbox files and linked database. */
export const load: Task = async (payload, helpers) => {
  const started = performance.now();
  const p = parsePayload(loadPayload, "load", payload);
  try {
    const out = await loadClient(await db(), p.client_id, { files: p.files, full: p.full });
    if (out.nothingToLoad) log("info", "nothing to load", { client_id: p.client_id });
    const rows = out.results.reduce((s, r) => s + r.rowsLoaded, 0);
    const failed = out.results.filter((r) => r.status === "failed");
    logJobEnd({
      task: "load", client_id: p.client_id, job_id: helpers.job.id, started, rows, sources: out.results.length,
      statuses: out.results.map((r) => r.status), status: failed.length ? "failed" : "ok",
    });
    // A failed source (e.g. an unreachable client database) fails the job so graphile-worker retries
    // with back-off; refused files are final (moved to .failed) and never retried.
    if (failed.length) throw new Error(`load failed: ${failed.map((r) => `${r.source}: ${r.error}`).join("; ")}`);
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith("load failed:"))) {
      logJobEnd({ task: "load", client_id: p.client_id, job_id: helpers.job.id, started, status: "failed", error: (e as Error).message });
    }
    throw e;
  }
};
