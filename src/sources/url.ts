// Client database URLs: which driver, a display name without credentials (pg:host/db,
// mysql:host:3307/db), and a scrubber that removes the password from any text (driver errors can
// echo parts of the connection). Nothing here ever returns the password except to the driver.
import { redact } from "../log.js";
import { SourceError } from "../ingest/types.js";

export type SourceDriver = "postgresql" | "mysql";

export interface SourceUrl {
  driver: SourceDriver;
  /** The URL exactly as configured (for the driver only — never log or store it). */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** `pg:host/db` or `mysql:host/db` (port shown when not the default); safe to log and store. */
  display: string;
  params: URLSearchParams;
}

const DEFAULT_PORT: Record<SourceDriver, number> = { postgresql: 5432, mysql: 3306 };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parse a client database URL. Errors never contain the URL (it holds the password). */
export function parseSourceUrl(raw: string): SourceUrl {
  const text = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  let driver: SourceDriver;
  if (scheme === "postgres" || scheme === "postgresql") driver = "postgresql";
  else if (scheme === "mysql" || scheme === "mariadb") driver = "mysql";
  else
    throw new SourceError(
      `source_url: unsupported scheme ${scheme ? JSON.stringify(scheme + "://") : "(none)"}; expected postgresql://user:password@host:port/db or mysql://user:password@host:port/db`,
      "bad_source_url",
    );
  let u: URL;
  try {
    // WHATWG URL parses any special-less scheme; map to http to get host/port parsing right.
    u = new URL(text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "http://"));
  } catch {
    throw new SourceError(`source_url: not a valid ${driver} URL (the value is not shown: it may contain a password)`, "bad_source_url");
  }
  const host = decode(u.hostname).replace(/^\[|\]$/g, "") || "localhost";
  const port = u.port ? Number(u.port) : DEFAULT_PORT[driver];
  const database = decode(u.pathname.replace(/^\//, ""));
  if (!database) throw new SourceError(`source_url: no database name in the ${driver} URL (…@${host}:${port}/<database>)`, "bad_source_url");
  const display = `${driver === "postgresql" ? "pg" : "mysql"}:${host}${port === DEFAULT_PORT[driver] ? "" : `:${port}`}/${database}`;
  return { driver, url: text, host, port, database, user: decode(u.username), password: decode(u.password), display, params: u.searchParams };
}

/** A function that removes the given secrets (in plain and URL-encoded forms) and URL credentials from text. */
export function makeScrubber(...secrets: (string | null | undefined)[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    for (const f of [s, encodeURIComponent(s), decode(s)]) if (f && f.length >= 3) forms.add(f);
  }
  // Longest first, so a URL is removed before the password inside it.
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = String(text);
    for (const f of list) out = out.split(f).join("***");
    return redact(out);
  };
}
