import { parseArgs, type ParseArgsConfig } from "node:util";
import { usage } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with usage errors (exit 2) instead of exceptions with stack traces. */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export function intOption(v: string | boolean | undefined, name: string, def: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < min || n > max) throw usage(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

export const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
export function clientIdArg(v: string | undefined): string {
  if (!v) throw usage("missing <client_id>");
  if (!CLIENT_ID.test(v)) throw usage(`malformed client id ${JSON.stringify(v.slice(0, 80))}: use 1-64 characters A-Z a-z 0-9 _ -`);
  return v;
}
