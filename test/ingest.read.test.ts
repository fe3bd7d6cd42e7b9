// Readers against real files (test/fixtures/ingest, see its README): tables, headers, kinds, row
// numbers, first values exactly; every bad input → its SourceError code and a message naming the
// problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, symlinkSync, rmSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as XLSX from "xlsx";
import iconv from "iconv-lite";
import { SourceError, type RawRow, type RawTable } from "../src/ingest/types.js";
import { readSource, readCsv, readXlsx, readJson } from "../src/ingest/read/index.js";
import { detectDelimiter } from "../src/ingest/read/csv.js";
import { csvRecordBatches } from "../src/ingest/read/csvFast.js";
import { findHeaderRow } from "../src/ingest/read/common.js";

const FX = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "ingest");
const good = (f: string) => join(FX, "good", f);
const bad = (f: string) => join(FX, "bad", f);

async function rowsOf(t: RawTable): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const r of t.rows) out.push(r);
  return out;
}

async function refuses(p: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SourceError, `expected SourceError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

const d = (iso: string) => new Date(iso + "T00:00:00.000Z");

// ---------------------------------------------------------------------------------------------
// good files

test("Windows-1251 CSV with ; and decimal commas (Russian Excel)", async () => {
  const [t] = await readSource(good("expenses_cp1251.csv"));
  assert.equal(t.name, "expenses_cp1251.csv");
  assert.deepEqual(t.detected, { format: "csv", encoding: "windows-1251", delimiter: ";", headerRow: 1, bytes: 543 });
  assert.equal(t.kindHint, "expenses");
  assert.deepEqual(t.headers, ["Дата", "Гос. номер", "Водитель", "Пробег за день, км", "Топливо, л", "Топливо, руб", "Ремонт", "Штрафы", "Мойка", "Клиент", "Комментарий"]);
  const rows = await rowsOf(t);
  assert.deepEqual(rows.map((r) => r.rowNumber), [2, 3, 4, 5, 6]);
  assert.deepEqual(rows[0].cells, ["27.11.2025", "А123ВС77", "Иванов Иван Иванович", "245", "38,5", "2 156,00", "0", "500", "350", 'ООО "Ромашка"', ""]);
  assert.deepEqual(rows[1].cells.slice(0, 7), ["27.11.2025", "в456ор199", "Петров  П.П.", "180,5", "27,3", "1 528,80", "12 500,50"]);
  assert.equal(rows[2].cells[3], "abc");
  assert.equal(rows[3].cells[0], "31.02.2025");
});

test("UTF-8 CSV with BOM and commas", async () => {
  const [t] = await readSource(good("expenses_utf8_bom.csv"));
  assert.deepEqual(t.detected, { format: "csv", encoding: "utf-8-bom", delimiter: ",", headerRow: 1, bytes: 284 });
  assert.deepEqual(t.headers, ["date", "gov_number", "driver", "daily_distance", "fuel", "fuel_liters", "tolls", "notes"]);
  const rows = await rowsOf(t);
  assert.deepEqual(rows[0], { rowNumber: 2, cells: ["2025-11-27", "А123ВС77", "Иванов И.И.", "245", "2,156.00", "38.5", "120", ""] });
  assert.deepEqual(rows[2], { rowNumber: 4, cells: ["2025-11-29", "Е001КХ50", "Сидоров С.С.", "0", "0", "0", "(350)", "refund, toll"] });
});

test("tab CSV with multi-line quoted cells: one row per record, the starting line reported", async () => {
  const [t] = await readSource(good("vehicles_tab.csv"));
  assert.equal(t.detected.delimiter, "tab");
  assert.equal(t.detected.encoding, "utf-8");
  assert.deepEqual(t.headers, ["Госномер", "Тип ТС", "Год выпуска", "Норма расхода, л/100 км", "Есть прицеп", "Примечание"]);
  const rows = await rowsOf(t);
  assert.deepEqual(
    rows.map((r) => [r.rowNumber, r.line ?? r.rowNumber, r.cells[0]]),
    [
      [2, 2, "А123ВС77"],
      [3, 4, "В456ОР199"],
      [4, 5, "Е001КХ50"],
      [5, 8, "Х777ХХ777"],
    ],
  );
  assert.equal(rows[0].cells[5], "Рефрижератор.\nЗимняя резина с 01.11");
  assert.equal(rows[2].cells[5], 'Арендован у "Лизинг-Авто",\nдоговор № 17\nдо 2026 года');
});

test("XLSX written by LibreOffice: two sheets, title blocks, dates, cached formula values, formula-looking text", async () => {
  const tables = await readSource(good("fleet_report.xlsx"));
  assert.deepEqual(
    tables.map((t) => [t.name, t.kindHint, t.detected.headerRow, t.detected.sheet]),
    [
      ["fleet_report.xlsx#Транспорт", "vehicles", 4, "Транспорт"],
      ["fleet_report.xlsx#Расходы", "expenses", 4, "Расходы"],
    ],
  );
  const [veh, exp] = tables;
  assert.deepEqual(veh.headers, ["Госномер", "Тип ТС", "Год выпуска", "Норма расхода, л/100 км", "Объём бака, л", "Есть прицеп", "Пробег"]);
  const vr = await rowsOf(veh);
  assert.deepEqual(vr[0], { rowNumber: 5, cells: ["А123ВС77", "Грузовой", 2019, 32.5, 400, "да", 185000] });
  assert.equal(vr.length, 3);
  assert.deepEqual(exp.headers, ["Дата", "Госномер", "Водитель", "Пробег, км", "Топливо, л", "Топливо, руб", "Ремонт", "Итого, руб", "Ссылка"]);
  const er = await rowsOf(exp);
  assert.deepEqual(er[0], {
    rowNumber: 5,
    cells: [d("2025-11-27"), "А123ВС77", "Иванов И.И.", 245, 38.5, 2156, 0, 2156, '=HYPERLINK("http://example.com/chek","чек")'],
  });
  assert.deepEqual(er[1].cells, [d("2025-11-28"), "в456ор199", "Петров  П.П.", 180.5, 27.3, 1528.8, 12500.5, 14029.3, null]);
  assert.deepEqual(er[2].cells.slice(6, 8), [-1200, -1200]); // the formula's cached value
  assert.equal(er.length, 3);
});

test("readXlsx directly: cell-count limit", async () => {
  await refuses(readXlsx(good("fleet_report.xlsx"), { maxXlsxCells: 10 }), "xlsx_bomb", /more than 10 cells/);
  await refuses(readXlsx(good("fleet_report.xlsx"), { maxXlsxUncompressedBytes: 1000 }), "xlsx_bomb", /unpacks to .* over the 0 MB limit|zip bomb/);
});

test("XLSX: a notes sheet beside a table sheet is skipped and named; hidden rows with data are kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Справка"], ["Данные выгружены из 1С 27.11.2025"], ["Вопросы: отдел логистики"]]), "Справка");
    const ws = XLSX.utils.aoa_to_sheet([["Дата", "Госномер", "Топливо"], ["27.11.2025", "А123ВС77", 100], ["28.11.2025", "А123ВС77", 200], [], []]);
    ws["!rows"] = [{}, { hidden: true }];
    XLSX.utils.book_append_sheet(wb, ws, "Лист1");
    const p = join(dir, "two.xlsx");
    writeFileSync(p, XLSX.write(wb, { type: "buffer", bookType: "xlsx" }));
    const tables = await readSource(p);
    assert.deepEqual(tables.map((t) => [t.name, t.detected.skippedSheets]), [["two.xlsx#Лист1", "Справка"]]);
    assert.deepEqual((await rowsOf(tables[0])).map((r) => [r.rowNumber, r.cells]), [
      [2, ["27.11.2025", "А123ВС77", 100]],
      [3, ["28.11.2025", "А123ВС77", 200]],
    ]);
    // a workbook of notes only: returned as is, for the header mapping to explain
    const notes = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(notes, XLSX.utils.aoa_to_sheet([["Справка"], ["текст"]]), "Справка");
    writeFileSync(join(dir, "notes.xlsx"), XLSX.write(notes, { type: "buffer", bookType: "xlsx" }));
    assert.deepEqual((await readSource(join(dir, "notes.xlsx"))).map((t) => t.headers), [["Справка"]]);
    // an empty workbook
    const empty = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(empty, XLSX.utils.aoa_to_sheet([]), "Лист1");
    writeFileSync(join(dir, "empty.xlsx"), XLSX.write(empty, { type: "buffer", bookType: "xlsx" }));
    await refuses(readSource(join(dir, "empty.xlsx")), "empty_file", /every sheet is empty/);
    const headerOnly = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(headerOnly, XLSX.utils.aoa_to_sheet([["Дата", "Госномер"]]), "Лист1");
    writeFileSync(join(dir, "header.xlsx"), XLSX.write(headerOnly, { type: "buffer", bookType: "xlsx" }));
    await refuses(readSource(join(dir, "header.xlsx")), "no_rows", /headers but no data rows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("JSON array of records", async () => {
  const [t] = await readSource(good("expenses.json"));
  assert.equal(t.name, "expenses.json");
  assert.equal(t.kindHint, "expenses");
  assert.deepEqual(t.headers, ["Дата", "Госномер", "Водитель", "Топливо, руб", "Топливо, л", "Пробег", "Примечание"]);
  const rows = await rowsOf(t);
  assert.deepEqual(rows[0], { rowNumber: 1, cells: ["27.11.2025", "а123вс77", "Иванов И.И.", 2156, 38.5, 245, null] });
  assert.deepEqual(rows[1], { rowNumber: 2, cells: ["2025-11-28", "B456OP199", "Петров П.П.", "1 528,80", 27.3, 180.5, '{"чек":17}'] });
});

test("JSON {expenses, transport}: one table per array, __proto__/constructor are plain keys", async () => {
  const tables = await readSource(good("fleet.json"));
  assert.deepEqual(
    tables.map((t) => [t.name, t.kindHint]),
    [
      ["fleet.json#expenses", "expenses"],
      ["fleet.json#transport", "vehicles"],
    ],
  );
  assert.deepEqual(tables[0].headers, ["date", "gov_number", "fuel", "__proto__", "constructor", "repair"]);
  const rows = await rowsOf(tables[0]);
  assert.deepEqual(rows[0].cells, ["2025-11-27", "А123ВС77", 2156, "not a prototype", "x", null]);
  assert.deepEqual(({} as Record<string, unknown>).polluted, undefined);
  const tr = await rowsOf(tables[1]);
  assert.deepEqual(tr[1], { rowNumber: 2, cells: ["В456ОР199", "Легковой", 2021, 9.8, false] });
});

test("NDJSON: row numbers are line numbers", async () => {
  const [t] = await readSource(good("expenses.ndjson"));
  assert.equal(t.detected.format, "ndjson");
  assert.deepEqual(t.headers, ["date", "gov_number", "driver", "fuel", "fines"]);
  const rows = await rowsOf(t);
  assert.deepEqual(rows.map((r) => r.rowNumber), [1, 3, 4]);
  assert.deepEqual(rows[1].cells, ["2025-11-28", "В456ОР199", "Петров П.П.", 1528.8, 500]);
});

test("JSON: an array of arrays with a header row; elements that are not records become row errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    writeFileSync(join(dir, "aoa.json"), JSON.stringify([["Дата", "Госномер"], ["27.11.2025", "А1"], "oops"]));
    const [t] = await readSource(join(dir, "aoa.json"));
    assert.deepEqual(t.headers, ["Дата", "Госномер"]);
    assert.deepEqual(await rowsOf(t), [
      { rowNumber: 2, cells: ["27.11.2025", "А1"] },
      { rowNumber: 3, cells: [], error: "record 3 is a string, not an array like the header row" },
    ]);
    writeFileSync(join(dir, "mixed.json"), JSON.stringify([{ date: "2025-11-27", gov_number: "А1" }, 42, null]));
    const [u] = await readSource(join(dir, "mixed.json"));
    assert.deepEqual((await rowsOf(u)).map((r) => r.error ?? null), [null, "record 2 is a number, not an object with named fields", "record 3 is null, not an object with named fields"]);
    writeFileSync(join(dir, "empty.json"), "[]");
    await refuses(readSource(join(dir, "empty.json")), "no_rows", /empty JSON array/);
    writeFileSync(join(dir, "bad.ndjson"), '{"a":1}\n{"a":2\n');
    await refuses(readSource(join(dir, "bad.ndjson")), "bad_json", /line 2 is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rows can be iterated twice (each pass re-reads the file)", async () => {
  const t = await readCsv(good("expenses_cp1251.csv"));
  assert.equal((await rowsOf(t)).length, 5);
  assert.equal((await rowsOf(t)).length, 5);
});

// ---------------------------------------------------------------------------------------------
// bad inputs

test("empty file / header only", async () => {
  await refuses(readSource(bad("empty.csv")), "empty_file", /empty\.csv is empty/);
  await refuses(readSource(bad("header_only.csv")), "no_rows", /header row \(Дата, Госномер, Топливо, руб\) but no data rows/);
});

test("binary garbage named .csv / .xlsx", async () => {
  await refuses(readSource(bad("garbage.csv")), "binary", /garbage\.csv contains NUL bytes .* not CSV text/);
  await refuses(readSource(bad("garbage.xlsx")), "not_xlsx", /garbage\.xlsx is not an Excel workbook \(unrecognised binary content\)/);
  await refuses(readSource(bad("csv_named.xlsx")), "not_xlsx", /looks like a text\/CSV file; rename it to \.csv/);
  await refuses(readSource(bad("xlsx_named.csv")), "format_mismatch", /xlsx_named\.csv is not a CSV text file: it is a ZIP archive .*rename it to \.xlsx/);
});

test("truncated xlsx", async () => {
  await refuses(readSource(bad("truncated.xlsx")), "bad_xlsx", /truncated\.xlsx is not a readable XLSX workbook: .*truncated or damaged/);
});

test("wrong encoding: UTF-16 (Excel 'Unicode text') is refused with what to do", async () => {
  await refuses(readSource(bad("utf16.csv")), "unsupported_encoding", /utf16\.csv is UTF-16.*save it as "CSV UTF-8"/);
  // UTF-16 without a BOM
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    const p = join(dir, "nobom.csv");
    writeFileSync(p, Buffer.from("Дата;Госномер\r\n27.11.2025;А123ВС77\r\n", "utf16le"));
    await refuses(readSource(p), "unsupported_encoding", /looks like UTF-16/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("other Cyrillic encodings (DOS cp866, KOI8-R) are refused, not decoded as nonsense", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  const text = "Дата;Госномер;Водитель;Топливо\r\n" + "27.11.2025;А123ВС77;Иванов Иван Петрович;100\r\n".repeat(5);
  try {
    for (const [enc, label] of [["cp866", "DOS cp866"], ["koi8-r", "KOI8-R"]] as const) {
      const p = join(dir, `${enc}.csv`);
      writeFileSync(p, iconv.encode(text, enc));
      await refuses(readSource(p), "unsupported_encoding", new RegExp(`neither UTF-8 nor Windows-1251 \\(it looks like ${label}\\)`));
    }
    // the same text in Windows-1251 and in capitals still reads
    const q = join(dir, "caps.csv");
    writeFileSync(q, iconv.encode(text.toUpperCase(), "win1251"));
    assert.deepEqual((await readSource(q))[0].headers, ["ДАТА", "ГОСНОМЕР", "ВОДИТЕЛЬ", "ТОПЛИВО"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mixed encodings: valid UTF-8 then Windows-1251 bytes after the sniffed part", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    const p = join(dir, "mixed.csv");
    const line = "27.11.2025;А123ВС77;Иванов\n";
    const body = Buffer.from("Дата;Госномер;Водитель\n" + line.repeat(4000), "utf8"); // > 64 KB of UTF-8
    writeFileSync(p, Buffer.concat([body, Buffer.from([0xc8, 0xe2, 0xe0, 0xed, 0x0a])])); // "Иван" in cp1251
    const [t] = await readSource(p);
    assert.equal(t.detected.encoding, "utf-8");
    await refuses(rowsOf(t), "bad_encoding", /invalid UTF-8 near byte \d+ .*mixed encodings/);
    // ASCII for 64 KB, then cp1251: decided when the first non-ASCII byte arrives
    const q = join(dir, "late1251.csv");
    const ascii = Buffer.from("date;gov_number;driver\n" + "2025-11-27;A123BC77;Ivanov\n".repeat(4000));
    writeFileSync(q, Buffer.concat([ascii, Buffer.from("2025-11-28;A123BC77;"), Buffer.from([0xcf, 0xe5, 0xf2, 0xf0, 0xee, 0xe2, 0x0a])]));
    const [u] = await readSource(q);
    const rows = await rowsOf(u);
    assert.equal(rows.at(-1)!.cells[2], "Петров");
    assert.equal(rows.at(-1)!.rowNumber, 4002);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unbalanced quotes: refused naming the line where the quote opens", async () => {
  await refuses(readSource(bad("unbalanced_quotes.csv")), "unbalanced_quotes", /a quote opened on line 3 is never closed/);
  // the same found while streaming (the sniffed sample ends before the quote)
  const [t] = await readSource(bad("unbalanced_quotes.csv"), { limits: { sniffBytes: 64 } });
  await refuses(rowsOf(t), "unbalanced_quotes", /a quote opened on line 3 is never closed/);
});

test("deep / non-table / broken JSON", async () => {
  await refuses(readSource(bad("not_array.json")), "bad_json_shape", /not a JSON array or object/);
  await refuses(readSource(bad("object_no_arrays.json")), "bad_json_shape", /JSON object without arrays of records \(keys: "client", "total"\)/);
  await refuses(readSource(bad("deep.json")), "too_deep", /nested deeper than 32 levels/);
  await refuses(readSource(bad("bad_syntax.json")), "bad_json", /bad_syntax\.json is not valid JSON at line 1/);
  await refuses(readJson(good("expenses.json"), { limits: { maxJsonBytes: 100 } }), "too_large", /over the 0 MB limit/);
});

test("an xlsx bomb: declared size and lying size", async () => {
  await refuses(readSource(bad("bomb_declared.xlsx")), "xlsx_bomb", /bomb_declared\.xlsx unpacks to 4096 MB \(590 bytes on disk\), over the 200 MB limit/);
  await refuses(readSource(bad("bomb_lying.xlsx")), "xlsx_bomb", /part xl\/worksheets\/sheet1\.xml unpacks to more than it declares/);
});

test("NUL bytes in a text file", async () => {
  await refuses(readSource(bad("nul_bytes.csv")), "binary", /contains NUL bytes \(first at byte 66\)/);
});

test("a very long cell passes the reader (the normaliser rejects the row); a record over the limit refuses the file", async () => {
  const [t] = await readSource(bad("long_cell.csv"));
  const rows = await rowsOf(t);
  assert.equal(rows.length, 2);
  assert.equal((rows[0].cells[3] as string).length, 20000);
  const readAll = async (limits: { maxRecordChars: number; sniffBytes?: number }) => {
    const [small] = await readSource(bad("long_cell.csv"), { limits });
    return rowsOf(small);
  };
  // found while sniffing (the file fits the sample) and while streaming (it does not)
  await refuses(readAll({ maxRecordChars: 5000 }), "line_too_long", /line 2 starts a record longer than 5000 characters/);
  await refuses(readAll({ maxRecordChars: 5000, sniffBytes: 1024 }), "line_too_long", /line 2 starts a record longer than 5000 characters/);
});

test("formula-looking cells are text, never evaluated", async () => {
  const [t] = await readSource(bad("formula_cells.csv"));
  const rows = await rowsOf(t);
  assert.deepEqual(rows[0].cells.slice(2), ["=1+2", "100", '=HYPERLINK("http://evil.example/","click")']);
  assert.deepEqual(rows[1].cells.slice(3), ["=2*50", "@SUM(A1:A2)"]);
});

test("SQL-looking header names are read as plain text", async () => {
  const [t] = await readSource(bad("sql_headers.csv"));
  assert.deepEqual(t.headers, ["Дата", "Госномер", '"; drop table fleet.expenses; --', "Robert'); DROP TABLE students;--", "Топливо"]);
});

test("file names with '..' are names; paths that resolve outside the inbox are refused", async () => {
  const [t] = await readSource(bad("..report..csv"), { root: join(FX, "bad") });
  assert.equal(t.name, "..report..csv");
  await refuses(readSource(join(FX, "bad", "..", "good", "expenses.json"), { root: join(FX, "bad") }), "path_outside_root", /resolves outside the inbox/);
  await refuses(readSource("/etc/hostname", { root: join(FX, "bad") }), "path_outside_root", /outside the inbox/);
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    mkdirSync(join(dir, "inbox"));
    symlinkSync(good("expenses.json"), join(dir, "inbox", "link.json"));
    await refuses(readSource(join(dir, "inbox", "link.json"), { root: join(dir, "inbox") }), "path_outside_root", /link\.json resolves outside the inbox \(symbolic link\)/);
    copyFileSync(good("expenses.json"), join(dir, "inbox", "real.json"));
    symlinkSync(join(dir, "inbox", "real.json"), join(dir, "inbox", "inside.json"));
    assert.equal((await readSource(join(dir, "inbox", "inside.json"), { root: join(dir, "inbox") })).length, 1);
    await refuses(readSource(join(dir, "inbox")), "not_a_file", /not a regular file/);
    await refuses(readSource(join(dir, "inbox", "missing.csv")), "not_found", /cannot open/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// detection helpers

test("delimiter detection", () => {
  assert.equal(detectDelimiter("a;b;c\n1,5;2,5;3\n4;5;6\n", true), ";");
  assert.equal(detectDelimiter("a,b,c\n1,2,3\n", true), ",");
  assert.equal(detectDelimiter("a\tb\n1\t2\n", true), "\t");
  assert.equal(detectDelimiter('a,b\n"x;y;z",2\n"p;q",3\n', true), ",");
  assert.equal(detectDelimiter("single\n1\n", true), ",");
});

test("sep= line and a title block above a CSV header", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-"));
  try {
    const p = join(dir, "sep.csv");
    writeFileSync(p, "sep=|\r\nДата|Госномер|Топливо\r\n27.11.2025|А123ВС77|1,5\r\n");
    const [t] = await readSource(p);
    assert.equal(t.detected.delimiter, "|");
    assert.deepEqual(t.headers, ["Дата", "Госномер", "Топливо"]);
    // Excel hides the sep= line: the header is row 1; in a text editor the row is on line 3
    assert.deepEqual(await rowsOf(t), [{ rowNumber: 2, line: 3, cells: ["27.11.2025", "А123ВС77", "1,5"] }]);
    const q = join(dir, "title.csv");
    writeFileSync(q, "Отчёт по расходам;;\r\nза ноябрь;;\r\n;;\r\nДата;Госномер;Топливо\r\n27.11.2025;А123ВС77;100\r\n");
    const [u] = await readSource(q);
    assert.equal(u.detected.headerRow, 4);
    assert.deepEqual(await rowsOf(u), [{ rowNumber: 5, cells: ["27.11.2025", "А123ВС77", "100"] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("findHeaderRow: known headers first, else the row with most text", () => {
  const rows = [["Отчёт"], [null, "Период: ноябрь"], ["Дата", "Госномер", "x"], ["27.11.2025", "А1", 1]];
  assert.equal(findHeaderRow(rows, (h) => ["Дата", "Госномер"].includes(h)), 2);
  assert.equal(findHeaderRow([["Title"], ["a", "b", "c"], ["1", "2", "3"]], () => false), 1);
  assert.equal(findHeaderRow([[null], [""]], () => false), -1);
  // CSV: without known headers, the first non-empty line is the header
  assert.equal(findHeaderRow([[""], ["a", "b"], ["x", "y", "z"]], () => false, 30, "first"), 1);
});

// ---------------------------------------------------------------------------------------------
// the fast tokenizer (csvFast.ts): quote-free records split directly, the rest by csv-parse

/** A small deterministic PRNG (the same cases on every run). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("fast tokenizer: the same records (or the same error) as csv-parse on random text, any chunking", async () => {
  const rnd = prng(20261127);
  const alphabet = ["a", "b", "1", ",", ";", "\t", "\n", "\r\n", "\r", '"', '""', " ", "я", "😀", ","];
  const csvParseSync = (await import("csv-parse/sync")).parse;
  let compared = 0;
  for (let t = 0; t < 4000; t++) {
    const quotes = rnd() < 0.5; // half the cases without any quote: the fast path end to end
    let s = "";
    const len = Math.floor(rnd() * 80);
    for (let i = 0; i < len; i++) {
      let ch = alphabet[Math.floor(rnd() * alphabet.length)];
      if (ch.includes('"') && (!quotes || rnd() < 0.7)) ch = "x";
      s += ch;
    }
    const delimiter = [",", ";", "\t"][Math.floor(rnd() * 3)];
    const opts = { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: 30 };
    let expected: unknown;
    try {
      expected = csvParseSync(s, opts);
    } catch (e) {
      expected = `error ${(e as { code?: string }).code}`;
    }
    // chunks end on character boundaries, as the reader's decoder guarantees
    const parts: Buffer[] = [];
    let cur = "";
    for (const ch of s) {
      cur += ch;
      if (rnd() < 0.25) {
        parts.push(Buffer.from(cur));
        cur = "";
      }
    }
    if (cur) parts.push(Buffer.from(cur));
    let got: unknown;
    try {
      const out: string[][] = [];
      for await (const b of csvRecordBatches((async function* () { yield* parts; })(), delimiter, opts, 30)) out.push(...b);
      got = out;
    } catch (e) {
      got = `error ${(e as { code?: string }).code}`;
    }
    assert.deepEqual(got, expected, `input ${JSON.stringify(s)} delimiter ${JSON.stringify(delimiter)}`);
    compared++;
  }
  assert.equal(compared, 4000);
});

test("fast tokenizer end to end: BOM + CRLF, cp1251 with ; and decimal commas, quotes after 6,000 plain rows (hand-off to csv-parse)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-ingest-fast-"));
  try {
    // UTF-8 with BOM and CRLF, no quotes: every record through the fast path
    const bom = join(dir, "bom.csv");
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("Дата,Госномер,Топливо\r\n27.11.2025,А123ВС77,1528.80\r\n\r\n28.11.2025,В456ОР199,\r\n")]));
    const [b] = await readSource(bom);
    assert.equal(b.detected.encoding, "utf-8-bom");
    assert.deepEqual(await rowsOf(b), [
      { rowNumber: 2, cells: ["27.11.2025", "А123ВС77", "1528.80"] },
      { rowNumber: 4, cells: ["28.11.2025", "В456ОР199", ""] },
    ]);
    // Windows-1251, `;`, decimal commas
    const cp = join(dir, "cp.csv");
    writeFileSync(cp, iconv.encode("Дата;Госномер;Топливо\n27.11.2025;А123ВС77;1 528,80\n28.11.2025;В456ОР199;38,5\n", "win1251"));
    const [c] = await readSource(cp);
    assert.deepEqual([c.detected.encoding, c.detected.delimiter], ["windows-1251", ";"]);
    assert.deepEqual(await rowsOf(c), [
      { rowNumber: 2, cells: ["27.11.2025", "А123ВС77", "1 528,80"] },
      { rowNumber: 3, cells: ["28.11.2025", "В456ОР199", "38,5"] },
    ]);
    // 6,000 plain rows (past the first 256 KB read), then quoted cells — one with a line break —
    // then plain rows again: csv-parse takes over at the first quote; numbering goes on unchanged
    const lines = ["Дата,Госномер,Водитель,Комментарий"];
    for (let i = 0; i < 6000; i++) lines.push(`27.11.2025,А${i}ВС77,Иванов Иван Иванович,${"x".repeat(30)}`);
    lines.push('28.11.2025,"В1ОР199","Петров, П.П.","две\r\nстроки"');
    lines.push("29.11.2025,С2,,");
    lines.push('30.11.2025,С3,"""Кавычки""",');
    const mixed = join(dir, "mixed.csv");
    writeFileSync(mixed, lines.join("\r\n") + "\r\n");
    const [m] = await readSource(mixed);
    const rows = await rowsOf(m);
    assert.equal(rows.length, 6003);
    assert.deepEqual(rows[0], { rowNumber: 2, cells: ["27.11.2025", "А0ВС77", "Иванов Иван Иванович", "x".repeat(30)] });
    assert.deepEqual(rows[5999], { rowNumber: 6001, cells: ["27.11.2025", "А5999ВС77", "Иванов Иван Иванович", "x".repeat(30)] });
    assert.deepEqual(rows.slice(6000), [
      { rowNumber: 6002, cells: ["28.11.2025", "В1ОР199", "Петров, П.П.", "две\r\nстроки"] },
      // the quoted line break: Excel still counts one row, a text editor one line more
      { rowNumber: 6003, line: 6004, cells: ["29.11.2025", "С2", "", ""] },
      { rowNumber: 6004, line: 6005, cells: ["30.11.2025", "С3", '"Кавычки"', ""] },
    ]);
    // the batches give the same rows as `rows`
    const batched: RawRow[] = [];
    for await (const bt of m.batches!) batched.push(...bt);
    assert.deepEqual(batched, rows);
    // an unclosed quote after the plain rows is still found and located
    writeFileSync(mixed, lines.slice(0, 6001).join("\n") + '\n31.11.2025,"open,x\n01.12.2025,a,b,c\n');
    const [u] = await readSource(mixed);
    await refuses(rowsOf(u), "unbalanced_quotes", /a quote opened on line 6002 is never closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
