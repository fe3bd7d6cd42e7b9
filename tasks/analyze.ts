import type { Task } from "graphile-worker";
import { db } from "../src/db/connection.js";
import { analyzeClient } from "../src/analyze/run.js";
import { logJobEnd } from "../src/log.js";
import { analyzePayload, parsePayload } from "./payloads.js";

/** analyze {client_id}: every analysis of the client's industry → fleet.fraud_json, one transaction. */
export const analyze: Task = async (payload, helpers) => {
  const started = performance.now();
  const p = parsePayload(analyzePayload, "analyze", payload);
  try {
    const r = await analyzeClient(await db(), p.client_id, { asOf: p.as_of });
    logJobEnd({ task: "analyze", client_id: p.client_id, job_id: helpers.job.id, started, rows: r.expenseRows, analyses: r.analyses.length, status: "ok" });
  } catch (e) {
    logJobEnd({ task: "analyze", client_id: p.client_id, job_id: helpers.job.id, started, status: "failed", error: String((e as Error).message) });
    throw e;
  }
};
