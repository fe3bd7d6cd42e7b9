// graphile-worker's logger, routed into our structured log (and quiet below warnings for the
// migration helpers, which otherwise print a line per migration step).
import { Logger, type LogLevel as GwLevel } from "graphile-worker";
import { log, type LogLevel } from "../log.js";

const levelMap: Record<string, LogLevel> = { error: "error", warning: "warn", info: "info", debug: "debug" };

function makeLogger(minimum: LogLevel): Logger {
  const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  return new Logger((scope) => (level: GwLevel, message: string) => {
    const lvl = levelMap[level] ?? "info";
    if (rank[lvl] < rank[minimum]) return;
    log(lvl, message, { component: "graphile-worker", ...(scope.taskIdentifier ? { task: scope.taskIdentifier } : {}), ...(scope.jobId ? { job_id: scope.jobId } : {}) });
  });
}

export const workerLogger = makeLogger("info");
export const quietWorkerLogger = makeLogger("warn");
