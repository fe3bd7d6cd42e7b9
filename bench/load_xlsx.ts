// A 100k-row XLSX end to end (SPEC §6: "XLSX: 100k rows without running out of memory"): the
// workbook is written with SheetJS from the generator's data as a 1C-style report (a title block
// above the table, Russian headers, numbers as numbers, dates as Excel dates, 12 columns), then
// loaded by its own process (`fleetsight load c1 file.xlsx --json`) into a fresh database; time and
// the loading process's peak RSS (load report, and /usr/bin/time -v when present).
// Run: node --import tsx bench/load_xlsx.ts [--rows 100000]
import { spawnSync } from "node:child_process";
import { createReadStream, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import * as XLSX from "xlsx";
import { benchDir, fmt, freshBenchDb, generatedExpenses, machine, result } from "./load_lib.js";

const { values } = parseArgs({ options: { rows: { type: "string", default: "100000" }, keep: { type: "boolean", default: false } } });
const n = Number(values.rows);

const src = await generatedExpenses(1370, 730);
const columns: [string, string][] = [
  ["date", "Дата"],
  ["gov_number", "Госномер"],
  ["driver", "Водитель"],
  ["daily_distance", "Пробег, км"],
  ["fuel_liters", "Топливо, л"],
  ["fuel", "Топливо, руб"],
  ["repair", "Ремонт"],
  ["fines", "Штрафы"],
  ["carwash", "Мойка"],
  ["parking", "Стоянка"],
  ["flat_roads", "Платные дороги"],
  ["calculated_salary", "Зарплата водителя"],
];
let t = performance.now();
const aoa: unknown[][] = [["Отчёт о расходах автопарка"], ["ООО «Ромашка», 1С:Предприятие"], [], columns.map((c) => c[1])];
{
  const rl = createInterface({ input: createReadStream(src), crlfDelay: Infinity });
  let header: string[] | null = null;
  let idx: number[] = [];
  for await (const line of rl) {
    const cells = line.split(","); // generator output: no quoted commas
    if (!header) {
      header = cells;
      idx = columns.map(([f]) => header!.indexOf(f));
      continue;
    }
    aoa.push(
      idx.map((i, k) => {
        const v = cells[i];
        if (k === 0) return new Date(v + "T00:00:00Z");
        if (k <= 2) return v;
        return Number(v);
      }),
    );
    if (aoa.length - 4 >= n) {
      rl.close();
      break;
    }
  }
}
const file = join(benchDir, `expenses_${n}.xlsx`);
{
  const ws = XLSX.utils.aoa_to_sheet(aoa, { cellDates: true });
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, "Расходы");
  writeFileSync(file, XLSX.write(wb, { type: "buffer", bookType: "xlsx", compression: true }) as Buffer);
}
aoa.length = 0;
const bytes = statSync(file).size;
console.log(`wrote ${file}: ${fmt(n)} rows × ${columns.length} columns, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const db = await freshBenchDb();
try {
  const ctx = await machine(db.sql);
  await db.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics')`;
  const cmd = [process.execPath, "bin/fleetsight.js", "load", "c1", file, "--json"];
  const useTime = spawnSync("/usr/bin/time", ["-V"], { encoding: "utf8" }).status === 0;
  t = performance.now();
  const r = spawnSync(useTime ? "/usr/bin/time" : cmd[0], useTime ? ["-v", ...cmd] : cmd.slice(1), {
    env: { ...process.env, DATABASE_URL: db.url, FLEETSIGHT_LOG_LEVEL: "warn" },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const secs = (performance.now() - t) / 1000;
  if (r.status !== 0 && r.status !== 3) throw new Error(`load exited ${r.status}: ${r.stdout.slice(0, 2000)} ${r.stderr.slice(0, 2000)}`);
  const s = (JSON.parse(r.stdout) as { sources: { status: string; rowsRead: number; rowsLoaded: number; report: { peak_rss_mb: number; timings_ms: unknown } }[] }).sources[0];
  const timeRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  const res = {
    rows: n,
    file_mb: Math.round(bytes / 1e5) / 10,
    status: s.status,
    rows_read: s.rowsRead,
    rows_loaded: s.rowsLoaded,
    seconds: Math.round(secs * 10) / 10,
    rows_per_s: Math.round(s.rowsRead / secs),
    peak_rss_mb: s.report.peak_rss_mb,
    time_v_max_rss_mb: timeRss ? Math.round(Number(timeRss) / 102.4) / 10 : null,
    timings_ms: s.report.timings_ms,
    machine: ctx,
  };
  console.log(`${s.status}: ${fmt(s.rowsLoaded)} of ${fmt(s.rowsRead)} rows in ${res.seconds} s (${fmt(res.rows_per_s)} rows/s), peak RSS ${res.peak_rss_mb} MB (time -v ${res.time_v_max_rss_mb} MB)`);
  result("load_xlsx", res);
} finally {
  await db.drop();
  if (!values.keep) rmSync(file, { force: true });
}
process.exit(0);
