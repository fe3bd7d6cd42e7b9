// Shared pieces of the load benchmarks (not a benchmark itself: bench/run.ts skips *_lib.ts).
// A fresh migrated database per run on the server of DATABASE_URL (or the embedded one), generated
// input files cached under $FLEETSIGHT_BENCH_DIR (default /tmp/fleetsight-bench), machine context.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { connect, type Sql } from "../src/db/connection.js";
import { migrateDatabase, withDatabase } from "../src/db/migrate.js";
import { databaseUrl } from "../src/db/url.js";
import { generate } from "../src/generate/index.js";

export const benchDir = process.env.FLEETSIGHT_BENCH_DIR ?? "/tmp/fleetsight-bench";

export interface BenchDb {
  url: string;
  name: string;
  sql: Sql;
  drop: () => Promise<void>;
}

/** A fresh migrated database `fs_bench_<hex>` on the server; dropped by `drop()` (kept if KEEP_BENCH_DB=1). */
export async function freshBenchDb(): Promise<BenchDb> {
  const server = await databaseUrl();
  const name = `fs_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(withDatabase(server, "postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`); // generated identifier
  const url = withDatabase(server, name);
  await migrateDatabase(url, { includeCurrent: true });
  const sql = connect(url, { max: 4, appName: "fleetsight-bench" });
  return {
    url,
    name,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      if (!process.env.KEEP_BENCH_DB) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The generator's expenses.csv for N vehicles × D days (cached; generation is deterministic). */
export async function generatedExpenses(vehicles: number, days: number, seed = 42): Promise<string> {
  const dir = join(benchDir, `gen_${vehicles}x${days}_s${seed}`);
  const file = join(dir, "expenses.csv");
  if (!existsSync(join(dir, "truth.json"))) {
    mkdirSync(dir, { recursive: true });
    await generate(dir, { vehicles, days, industry: "logistics", seed });
  }
  return file;
}

export function countLines(path: string): number {
  return Number(execFileSync("wc", ["-l", path], { encoding: "utf8" }).trim().split(/\s+/)[0]);
}

export function fileMb(path: string): number {
  return Math.round(statSync(path).size / 1e5) / 10;
}

/** Machine context for the results file. */
export async function machine(sql?: Sql): Promise<Record<string, string | number>> {
  const c = cpus();
  let pg = "";
  if (sql) {
    const [{ v }] = await sql<{ v: string }[]>`select version() as v`;
    pg = v.replace(/ on .*/, "");
  }
  let disk = "";
  try {
    disk = execFileSync("df", ["-h", benchDir], { encoding: "utf8" }).trim().split("\n").pop() ?? "";
  } catch {
    // not important
  }
  let os = "";
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {
    // not important
  }
  return {
    cpu: `${c[0]?.model ?? "?"} × ${c.length}`,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: pg,
    os,
    disk,
  };
}

export const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Print a result as one JSON line prefixed with `RESULT ` (bench/run.ts collects these). */
export function result(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify({ bench: name, ...data })}\n`);
}
