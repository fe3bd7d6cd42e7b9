// XLSX reader at scale: writes a workbook of N expense rows (default 100,000 × 12 columns) with
// SheetJS to a temporary file, then reads it back with readXlsx (zip-bomb checks included) and
// iterates + normalises every row, reporting time and peak RSS. SPEC §6: 100k rows must not run
// out of memory.
//
//   node --import tsx bench/ingest_xlsx_memory.ts [--rows 100000]

import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as XLSX from "xlsx";
import { readXlsx } from "../src/ingest/read/xlsx.js";
import { loadFieldDefs, loadSynonyms, mapHeaders } from "../src/ingest/headers.js";
import { makeRowNormaliser } from "../src/ingest/normalise.js";

const i = process.argv.indexOf("--rows");
const n = i === -1 ? 100_000 : Number(process.argv[i + 1]);
const dir = mkdtempSync(join(tmpdir(), "fs-xlsx-bench-"));
const file = join(dir, "big.xlsx");
const mb = (x: number) => Math.round(x / 1048576);
let peak = 0;
const sample = () => {
  const r = process.memoryUsage().rss;
  if (r > peak) peak = r;
};
const timer = setInterval(sample, 50);

try {
  {
    const aoa: unknown[][] = [["Отчёт о расходах"], [], ["Дата", "Госномер", "Водитель", "Пробег, км", "Топливо, л", "Топливо, руб", "Ремонт", "Штрафы", "Мойка", "Стоянка", "Платные дороги", "Комментарий"]];
    const base = Date.UTC(2024, 0, 1);
    for (let k = 0; k < n; k++) {
      const v = k % 1370;
      aoa.push([new Date(base + (k % 700) * 86400000), `А${String(v).padStart(3, "0")}ВС77`, `Водитель ${v % 900}`, k % 400, 30.5, 2156.5, 0, k % 97 ? 0 : 1500, 0, 150, 0, k % 1000 ? null : "комментарий"]);
    }
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa, { cellDates: true }), "Расходы");
    writeFileSync(file, XLSX.write(wb, { type: "buffer", bookType: "xlsx", compression: true }));
  }
  (globalThis as { gc?: () => void }).gc?.();
  peak = 0;
  const t0 = performance.now();
  const [t] = await readXlsx(file);
  const tRead = performance.now() - t0;
  const norm = makeRowNormaliser(mapHeaders(t.headers, loadSynonyms(), [], loadFieldDefs(), t.kindHint), loadFieldDefs(), { today: "2026-11-27" });
  let rows = 0;
  let ok = 0;
  for await (const r of t.rows) {
    rows++;
    if (norm(r).ok) ok++;
  }
  sample();
  console.log(
    JSON.stringify({
      bench: "xlsx_read",
      rows,
      rows_ok: ok,
      file_mb: Math.round((statSync(file).size / 1048576) * 10) / 10,
      parse_seconds: Math.round(tRead / 10) / 100,
      total_seconds: Math.round((performance.now() - t0) / 10) / 100,
      rss_peak_mb: mb(peak),
    }),
  );
} finally {
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
}
