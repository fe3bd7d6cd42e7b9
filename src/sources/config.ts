// Settings of client database reads (environment, read at each load so tests can change them).
function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

export interface SourceSettings {
  /** FLEETSIGHT_SOURCE_CONNECT_TIMEOUT_MS (default 10 000). */
  connectTimeoutMs: number;
  /** FLEETSIGHT_SOURCE_STATEMENT_TIMEOUT_MS (default 60 000): bounds every query, the streamed read of a table included. */
  statementTimeoutMs: number;
  /** FLEETSIGHT_SOURCE_WINDOW_DAYS (default 35): days re-read before the last loaded date. */
  windowDays: number;
  /** Rows fetched per round trip. */
  fetchRows: number;
}

export function sourceSettings(): SourceSettings {
  return {
    connectTimeoutMs: intEnv("FLEETSIGHT_SOURCE_CONNECT_TIMEOUT_MS", 10_000, 100, 600_000),
    statementTimeoutMs: intEnv("FLEETSIGHT_SOURCE_STATEMENT_TIMEOUT_MS", 60_000, 100, 86_400_000),
    windowDays: intEnv("FLEETSIGHT_SOURCE_WINDOW_DAYS", 35, 0, 36_500),
    fetchRows: 1000,
  };
}
