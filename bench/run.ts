// `npm run bench [-- FILTER...]`: runs every benchmark script in bench/ — each in its own child
// process (`node --import tsx bench/<name>.ts`), one after another, so one benchmark's memory, JIT
// state or crash never affects another's numbers. A FILTER (substring or /regex/) selects scripts
// by name: `npm run bench -- load_` or `npm run bench -- forecast_speed`.
//
// Benchmark scripts are bench/*.ts except this runner, helper modules (`*_lib.ts`, names with a
// second dot such as `forecast_vs_ets.series.ts`) and files starting with `_`. Lines a script
// prints as `RESULT {json}` are collected into bench/out/last-run.json (git-ignored).
// Options: --list (print what would run), --timeout <minutes> per script (default 60).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { list: { type: "boolean", default: false }, timeout: { type: "string", default: "60" } },
});

export function benchScripts(dir = here): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_") && !f.endsWith("_lib.ts") && f.split(".").length === 2)
    .sort();
}

const matches = (name: string, filter: string): boolean => {
  const re = /^\/(.*)\/([a-z]*)$/.exec(filter);
  return re ? new RegExp(re[1], re[2]).test(name) : name.includes(filter);
};

const all = benchScripts();
const selected = positionals.length ? all.filter((f) => positionals.some((p) => matches(f.replace(/\.ts$/, ""), p))) : all;
if (values.list || selected.length === 0) {
  console.log(selected.length ? selected.join("\n") : `no benchmark matches ${positionals.join(" ")}; available:\n  ${all.join("\n  ")}`);
  process.exit(selected.length ? 0 : 2);
}

interface Outcome {
  script: string;
  exit: number | null;
  signal: string | null;
  seconds: number;
  results: unknown[];
}

function runOne(script: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const results: unknown[] = [];
    console.log(`\n=== ${script} ===`);
    const child = spawn(process.execPath, ["--import", "tsx", join("bench", script)], { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env });
    const timer = setTimeout(() => child.kill("SIGTERM"), Number(values.timeout) * 60_000);
    let buf = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      buf += chunk.toString("utf8");
      let i;
      while ((i = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("RESULT ")) {
          try {
            results.push(JSON.parse(line.slice(7)));
          } catch {
            // not JSON: printed, not collected
          }
        }
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ script, exit: code, signal, seconds: Math.round((performance.now() - t0) / 100) / 10, results });
    });
  });
}

const outcomes: Outcome[] = [];
for (const s of selected) outcomes.push(await runOne(s));
console.log("\n=== summary ===");
for (const o of outcomes) console.log(`${o.exit === 0 ? "ok    " : "FAILED"} ${o.script} (${o.seconds} s${o.signal ? `, ${o.signal}` : o.exit ? `, exit ${o.exit}` : ""})`);
mkdirSync(join(here, "out"), { recursive: true });
writeFileSync(join(here, "out", "last-run.json"), JSON.stringify({ at: new Date().toISOString(), node: process.version, outcomes }, null, 2) + "\n");
process.exit(outcomes.every((o) => o.exit === 0) ? 0 : 1);
