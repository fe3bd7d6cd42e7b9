// Peak RSS loading a ~1 GB CSV (SPEC §6: ≤ 300 MB whatever the file size — the loader streams).
// The file: the generator's 1M-row expenses.csv written N times with its dates shifted back by
// 2 years per copy (distinct vehicle-days, ≈184 MB per copy; 6 copies ≈ 1.1 GB), streamed to disk.
// The load runs as its own process (`fleetsight load c1 big.csv --json`); its peak RSS is
// process.resourceUsage().maxRSS of that process, reported in the load report. The file is deleted
// afterwards.
// Run: node --import tsx bench/load_big_rss.ts [--copies 6] [--keep]
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { benchDir, fmt, freshBenchDb, generatedExpenses, machine, result } from "./load_lib.js";

const { values } = parseArgs({ options: { copies: { type: "string", default: "6" }, keep: { type: "boolean", default: false } } });
const copies = Math.max(1, Number(values.copies));

const df = spawnSync("df", ["-h", benchDir], { encoding: "utf8" }).stdout.trim().split("\n").pop();
console.log(`disk for ${benchDir}: ${df}`);
const freeKb = Number(spawnSync("df", ["-k", "--output=avail", benchDir], { encoding: "utf8" }).stdout.trim().split("\n").pop());
if (freeKb < copies * 200_000 * 2) throw new Error(`not enough free disk in ${benchDir} for ${copies} copies (~${copies * 190} MB)`);

const src = await generatedExpenses(1370, 730);
const big = join(benchDir, `big_${copies}x.csv`);
const shift = (iso: string, years: number): string => `${Number(iso.slice(0, 4)) - years}${iso.slice(4)}`;

let t = performance.now();
let rows = 0;
{
  const out = createWriteStream(big, { highWaterMark: 1 << 20 });
  for (let k = 0; k < copies; k++) {
    const rl = createInterface({ input: createReadStream(src, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    let first = true;
    for await (const line of rl) {
      if (first) {
        first = false;
        if (k === 0 && !out.write(line + "\n")) await once(out, "drain");
        continue;
      }
      // gov_number,date,… — the date is the second field and never quoted in generator output
      const a = line.indexOf(",");
      const b = line.indexOf(",", a + 1);
      let date = line.slice(a + 1, b);
      if (k > 0) {
        date = shift(date, 2 * k);
        if (date.endsWith("-02-29")) date = date.slice(0, 8) + "28"; // (a leap day shifted into a common year)
      }
      if (!out.write(line.slice(0, a + 1) + date + line.slice(b) + "\n")) await once(out, "drain");
      rows++;
    }
  }
  out.end();
  await once(out, "finish");
}
const bytes = statSync(big).size;
console.log(`wrote ${big}: ${fmt(rows)} rows, ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(0)} s`);

const db = await freshBenchDb();
try {
  const ctx = await machine(db.sql);
  await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics')`;
  t = performance.now();
  // /usr/bin/time -v, when present, reports the child's peak RSS independently of the report.
  const timeBin = "/usr/bin/time";
  const useTime = spawnSync(timeBin, ["-V"], { encoding: "utf8" }).status === 0;
  const cmd = [process.execPath, "bin/fleetsight.js", "load", "c1", big, "--json"];
  const r = spawnSync(useTime ? timeBin : cmd[0], useTime ? ["-v", ...cmd] : cmd.slice(1), {
    env: { ...process.env, DATABASE_URL: db.url, FLEETSIGHT_LOG_LEVEL: "warn" },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const secs = (performance.now() - t) / 1000;
  if (r.status !== 0 && r.status !== 3) throw new Error(`load exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const out = JSON.parse(r.stdout) as { sources: { status: string; rowsRead: number; rowsLoaded: number; report: { peak_rss_mb: number; timings_ms: unknown } }[] };
  const s = out.sources[0];
  const timeRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  if (s.rowsRead !== rows) throw new Error(`read ${s.rowsRead} rows, expected ${rows}`);
  const res = {
    file_mb: Math.round(bytes / 1e6),
    rows,
    status: s.status,
    rows_loaded: s.rowsLoaded,
    seconds: Math.round(secs),
    rows_per_s: Math.round(rows / secs),
    peak_rss_mb: s.report.peak_rss_mb,
    time_v_max_rss_mb: timeRss ? Math.round(Number(timeRss) / 102.4) / 10 : null,
    limit_mb: 300,
    timings_ms: s.report.timings_ms,
    machine: ctx,
  };
  console.log(`loaded ${fmt(s.rowsLoaded)} of ${fmt(rows)} rows (${res.file_mb} MB) in ${res.seconds} s: peak RSS ${res.peak_rss_mb} MB (time -v: ${res.time_v_max_rss_mb} MB; limit 300 MB)`);
  result("load_big_rss", res);
} finally {
  await db.drop();
  if (!values.keep) rmSync(big, { force: true });
}
process.exit(0);
