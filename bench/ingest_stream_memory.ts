// CSV reader memory/throughput check: writes a generated CSV (default ~200 MB) from a generator
// stream to a temporary file, then streams it back through readCsv (pass 1) and readCsv + header
// mapping + row normaliser (pass 2), sampling RSS. The reader must keep memory flat: RSS late in
// the file must not exceed RSS early in the file by more than --slack MB (default 40).
//
//   node --import tsx bench/ingest_stream_memory.ts [--mb 200] [--slack 40] [--dir /tmp] [--keep]
//
// Prints one JSON line per pass and exits 1 if memory grew.

import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readCsv } from "../src/ingest/read/csv.js";
import { loadFieldDefs, loadSynonyms, mapHeaders } from "../src/ingest/headers.js";
import { makeRowNormaliser } from "../src/ingest/normalise.js";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
};
const targetMb = Number(arg("mb", "200"));
const slackMb = Number(arg("slack", "40"));
const dir = mkdtempSync(join(arg("dir", tmpdir()), "fs-ingest-bench-"));
const file = join(dir, "big.csv");
const mb = (n: number) => Math.round(n / 1048576);

const LETTERS = "АВЕКМНОРСТУХ";
function* generate(bytes: number): Generator<string> {
  yield "Дата;Госномер;Водитель;Пробег за день, км;Топливо, л;Топливо, руб;Ремонт;Штрафы;Мойка;Стоянка;Платные дороги;Комментарий\r\n";
  let written = 0;
  let i = 0;
  const base = Date.UTC(2024, 0, 1);
  while (written < bytes) {
    let chunk = "";
    for (let k = 0; k < 1000; k++, i++) {
      const d = new Date(base + (i % 700) * 86400000);
      const date = `${String(d.getUTCDate()).padStart(2, "0")}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${d.getUTCFullYear()}`;
      const v = i % 1370;
      const plate = `${LETTERS[v % 12]}${String(v).padStart(3, "0")}${LETTERS[(v >> 2) % 12]}${LETTERS[(v >> 4) % 12]}77`;
      const km = (i * 7) % 400;
      const comment = i % 1000 === 0 ? '"многострочный\r\nкомментарий; с ""кавычками"""' : "";
      chunk += `${date};${plate};Водитель ${v % 900};${km};${(km * 0.3).toFixed(1).replace(".", ",")};${(km * 18.5).toFixed(2).replace(".", ",")};0;${i % 97 === 0 ? "1 500" : "0"};0;150;0;${comment}\r\n`;
    }
    written += Buffer.byteLength(chunk);
    yield chunk;
  }
}

async function pass(label: string, normalise: boolean): Promise<boolean> {
  const size = statSync(file).size;
  const t0 = performance.now();
  const table = await readCsv(file);
  const norm = normalise ? makeRowNormaliser(mapHeaders(table.headers, loadSynonyms(), [], loadFieldDefs(), table.kindHint), loadFieldDefs(), { today: "2026-11-27" }) : null;
  let rows = 0;
  let ok = 0;
  let peak = 0;
  let early = 0;
  let late = 0;
  const samples: number[] = [];
  for await (const row of table.rows) {
    rows++;
    if (norm && norm(row).ok) ok++;
    if ((rows & 0xffff) === 0) {
      const rss = process.memoryUsage().rss;
      samples.push(rss);
      if (rss > peak) peak = rss;
    }
  }
  // early = max RSS over the first 20% of samples (after warm-up), late = max over the last 20%
  const n = samples.length;
  if (n >= 5) {
    early = Math.max(...samples.slice(1, Math.max(2, Math.floor(n * 0.2))));
    late = Math.max(...samples.slice(Math.floor(n * 0.8)));
  }
  const secs = (performance.now() - t0) / 1000;
  const flat = late - early <= slackMb * 1048576;
  console.log(
    JSON.stringify({
      pass: label,
      file_mb: mb(size),
      rows,
      rows_ok: norm ? ok : undefined,
      seconds: Math.round(secs * 100) / 100,
      rows_per_s: Math.round(rows / secs),
      mb_per_s: Math.round((size / 1048576 / secs) * 10) / 10,
      rss_early_mb: mb(early),
      rss_late_mb: mb(late),
      rss_peak_mb: mb(peak),
      flat,
    }),
  );
  return flat;
}

try {
  await pipeline(Readable.from(generate(targetMb * 1048576)), createWriteStream(file));
  const a = await pass("read", false);
  const b = await pass("read+normalise", true);
  if (!a || !b) process.exitCode = 1;
} finally {
  if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
}
