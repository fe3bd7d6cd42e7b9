// Structured logging: one JSON object per line on stderr. Every message passes through redact()
// so a connection string that slipped into an error text never reaches a log.

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const lvl = (process.env.FLEETSIGHT_LOG_LEVEL ?? "info") as LogLevel;
  return order[lvl] ?? order.info;
}

/** Remove credentials from any text: URL userinfo, password=… pairs. */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(:[^\s/@]*)?@/gi, (_m, scheme: string, user: string) => `${scheme}${user ? user + ":***" : "***"}@`)
    .replace(/(password|passwd|pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, "$1$2***");
}

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (order[level] < threshold()) return;
  const line = JSON.stringify({ ts: new Date().toISOString(), level, msg: redact(msg), ...fields }, (_k, v: unknown) =>
    typeof v === "string" ? redact(v) : typeof v === "bigint" ? v.toString() : v,
  );
  process.stderr.write(line + "\n");
}

/** Peak resident set size of this process in MB (Linux reports maxRSS in kB). */
export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** The one structured line every job writes when it ends (task, client, duration, rows, peak RSS). */
export function logJobEnd(fields: { task: string; client_id?: string | null; started: number; rows?: number; status: "ok" | "failed"; [k: string]: unknown }): void {
  const { started, ...rest } = fields;
  log(fields.status === "ok" ? "info" : "error", "job finished", {
    ...rest,
    duration_ms: Math.round(performance.now() - started),
    peak_rss_mb: peakRssMb(),
  });
}
