// End to end through loadFile for every ingest fixture (test/fixtures/ingest): what reaches
// fleet.expenses / fleet.vehicles, what goes to fleet.load_rejects (Excel row numbers, reasons),
// what the fleet.loads row says — and, for every bad input of INGEST.md, that it is refused with a
// message naming the problem and changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";
import { loadFile } from "../src/load/files.js";
import type { LoadResult } from "../src/load/applySource.js";

const db = await freshDatabase();
const fx = (p: string) => join("test/fixtures/ingest", p);
const tmp = mkdtempSync(join(tmpdir(), "fs-load-files-"));

let clients = 0;
async function newClient(): Promise<string> {
  const id = `c_files_${++clients}`;
  await db.sql`insert into fleet.clients (client_id, industry) values (${id}, 'logistics')`;
  return id;
}

/** Load and check the invariants every load must keep, whatever its outcome. */
async function load(client: string, path: string, opts: { maxRejectShare?: number } = {}): Promise<LoadResult> {
  const r = await loadFile(db.sql, client, path, opts);
  assert.equal(r.rowsRead, r.rowsLoaded + r.rowsDuplicate + r.rowsRejected, `read = loaded + duplicate + rejected for ${path}: ${JSON.stringify(r.report.rows)}`);
  const [row] = await db.sql<{ status: string; rows_read: string; rows_loaded: string; rows_duplicate: string; rows_rejected: string; error: string | null; finished_at: Date | null }[]>`
    select status, rows_read, rows_loaded, rows_duplicate, rows_rejected, error, finished_at from fleet.loads where load_id = ${r.loadId}`;
  assert.equal(row.status, r.status);
  assert.deepEqual([row.rows_read, row.rows_loaded, row.rows_duplicate, row.rows_rejected].map(Number), [r.rowsRead, r.rowsLoaded, r.rowsDuplicate, r.rowsRejected]);
  assert.equal(row.error, r.error);
  assert.ok(row.finished_at, "the loads row is finished");
  if (r.status === "refused" || r.status === "failed") {
    assert.equal(r.rowsLoaded, 0);
    assert.ok(r.error && r.error.length > 10, "a refused/failed load says why");
  }
  return r;
}

/** Non-empty, non-zero columns of a row as text (numeric scale kept: "2156.00"). */
const compact = (j: Record<string, string | null>): Record<string, string> =>
  Object.fromEntries(Object.entries(j).filter(([, v]) => v !== null && v !== "" && !/^0(\.0+)?$/.test(v))) as Record<string, string>;

async function expensesOf(client: string): Promise<Record<string, string>[]> {
  const rows = await db.sql<{ j: Record<string, string | null> }[]>`
    select (select jsonb_object_agg(key, value) from jsonb_each_text(to_jsonb(e) - 'client_id' - 'load_id')) as j
    from fleet.expenses e where client_id = ${client} order by gov_number, date, driver`;
  return rows.map((r) => compact(r.j));
}
async function vehiclesOf(client: string): Promise<Record<string, string>[]> {
  const rows = await db.sql<{ j: Record<string, string | null> }[]>`
    select (select jsonb_object_agg(key, value) from jsonb_each_text(to_jsonb(v) - 'client_id' - 'load_id' - 'updated_at')) as j
    from fleet.vehicles v where client_id = ${client} order by gov_number`;
  return rows.map((r) => compact(r.j));
}
async function rejectsOf(loadId: number): Promise<{ row: number; table: string; reason: string; raw: Record<string, string> }[]> {
  const rows = await db.sql<{ row_number: string; table_name: string; reason: string; raw: Record<string, string> }[]>`
    select row_number, table_name, reason, raw from fleet.load_rejects where load_id = ${loadId} order by row_number`;
  return rows.map((r) => ({ row: Number(r.row_number), table: r.table_name, reason: r.reason, raw: r.raw }));
}
async function counts(client: string): Promise<{ expenses: number; vehicles: number }> {
  const [r] = await db.sql<{ e: string; v: string }[]>`
    select (select count(*) from fleet.expenses where client_id = ${client}) as e, (select count(*) from fleet.vehicles where client_id = ${client}) as v`;
  return { expenses: Number(r.e), vehicles: Number(r.v) };
}
async function snapshot(client: string): Promise<string> {
  const [r] = await db.sql<{ s: string | null }[]>`
    select (select string_agg(x::text, E'\n' order by x::text) from (select e.* from fleet.expenses e where client_id = ${client}) x) || E'\n--\n' ||
           coalesce((select string_agg(y::text, E'\n' order by y::text) from (select gov_number, vehicle_type, release_year, fuel_consumption, trailer, extra, load_id from fleet.vehicles where client_id = ${client}) y), '') as s`;
  return r.s ?? "";
}
async function dataVersion(client: string): Promise<number> {
  const [r] = await db.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = ${client}`;
  return Number(r.v);
}

// ---------------------------------------------------------------------------------------------
// good files

test("Windows-1251 ';' CSV with decimal commas: good rows loaded exactly, bad rows rejected with Excel row numbers", async () => {
  const c = await newClient();
  const r = await load(c, fx("good/expenses_cp1251.csv"));
  assert.equal(r.status, "partial");
  assert.deepEqual([r.rowsRead, r.rowsLoaded, r.rowsDuplicate, r.rowsRejected], [5, 3, 0, 2]);
  const t = (r.report.tables as Record<string, unknown>[])[0];
  assert.deepEqual(t.detected, { format: "csv", encoding: "windows-1251", delimiter: ";", headerRow: 1, bytes: 543 });
  assert.deepEqual(await expensesOf(c), [
    // row 2; "Клиент" is the file's client column: ignored, not stored
    { gov_number: "А123ВС77", date: "2025-11-27", driver: "Иванов Иван Иванович", daily_distance: "245.00", fuel_liters: "38.500", fuel: "2156.00", fines: "500.00", carwash: "350.00", total_cost: "3006.00" },
    // row 3: lower-case plate, two spaces in the driver, "12 500,50"
    { gov_number: "В456ОР199", date: "2025-11-27", driver: "Петров П.П.", daily_distance: "180.50", fuel_liters: "27.300", fuel: "1528.80", repair: "12500.50", total_cost: "14029.30", extra: '{"Комментарий": "замена колодок"}' },
    // row 6: a refund (negative money) is loaded
    { gov_number: "Е001КХ50", date: "2025-11-29", driver: "Сидоров С.С.", repair: "-1200.00", total_cost: "-1200.00", extra: '{"Комментарий": "возврат за ремонт"}' },
  ]);
  const rejects = await rejectsOf(r.loadId);
  assert.deepEqual(
    rejects.map((x) => [x.row, x.table, x.reason]),
    [
      [4, "expenses", '"daily_distance": "abc" is not a number'],
      [5, "expenses", '"date": "31.02.2025" is not a date (expected DD.MM.YYYY or YYYY-MM-DD)'],
    ],
  );
  // the raw values are kept as the person wrote them
  assert.equal(rejects[0].raw["Гос. номер"], "A123BC 77");
  assert.equal(rejects[0].raw["Пробег за день, км"], "abc");
  assert.equal(rejects[1].raw["Дата"], "31.02.2025");
  assert.equal(r.report.negative_money_rows, 1);
  assert.deepEqual(t.client_column_values_ignored, ['ООО "Ромашка"']);
});

test("XLSX with a title block and two sheets: Транспорт → vehicles, Расходы → expenses, in ONE load", async () => {
  const c = await newClient();
  const r = await load(c, fx("good/fleet_report.xlsx"));
  assert.equal(r.status, "ok");
  assert.deepEqual([r.rowsRead, r.rowsLoaded, r.rowsRejected], [6, 6, 0]);
  const tables = r.report.tables as { name: string; kind: string; detected: Record<string, unknown> }[];
  assert.deepEqual(
    tables.map((t) => [t.name, t.kind, t.detected.headerRow]),
    [
      ["fleet_report.xlsx#Транспорт", "vehicles", 4],
      ["fleet_report.xlsx#Расходы", "expenses", 4],
    ],
  );
  const loads = await db.sql`select load_id from fleet.loads where client_id = ${c}`;
  assert.equal(loads.length, 1, "one loads row for the workbook");
  assert.deepEqual(await vehiclesOf(c), [
    { gov_number: "А123ВС77", vehicle_type: "Грузовой", release_year: "2019", fuel_consumption: "32.5", tank_capacity_l: "400", trailer: "true", mileage: "185000" },
    { gov_number: "В456ОР199", vehicle_type: "Легковой", release_year: "2021", fuel_consumption: "9.8", tank_capacity_l: "60", trailer: "false", mileage: "54000" },
    { gov_number: "Е001КХ50", vehicle_type: "Фургон", release_year: "2020", fuel_consumption: "12", tank_capacity_l: "80", trailer: "true", mileage: "99000" },
  ]);
  const e = await expensesOf(c);
  assert.deepEqual(
    e.map((x) => [x.gov_number, x.date, x.driver, x.fuel ?? "0", x.repair ?? "0", x.total_cost]),
    [
      ["А123ВС77", "2025-11-27", "Иванов И.И.", "2156.00", "0", "2156.00"],
      ["А123ВС77", "2025-11-29", "Иванов И.И.", "0", "-1200.00", "-1200.00"],
      ["В456ОР199", "2025-11-28", "Петров П.П.", "1528.80", "12500.50", "14029.30"],
    ],
  );
  // a formula-looking cell is text in extra, never evaluated
  assert.match(e[0].extra, /"Ссылка": "=HYPERLINK\(/);
});

test("JSON variants: array of records, {expenses, transport} with __proto__/constructor keys, NDJSON", async () => {
  const c1 = await newClient();
  const a = await load(c1, fx("good/expenses.json"));
  assert.equal(a.status, "ok");
  assert.deepEqual(await expensesOf(c1), [
    { gov_number: "А123ВС77", date: "2025-11-27", driver: "Иванов И.И.", daily_distance: "245.00", fuel_liters: "38.500", fuel: "2156.00", total_cost: "2156.00" },
    { gov_number: "В456ОР199", date: "2025-11-28", driver: "Петров П.П.", daily_distance: "180.50", fuel_liters: "27.300", fuel: "1528.80", total_cost: "1528.80", extra: '{"Примечание": "{\\"чек\\":17}"}' },
  ]);

  const c2 = await newClient();
  const b = await load(c2, fx("good/fleet.json"));
  assert.equal(b.status, "ok");
  assert.deepEqual([b.rowsRead, b.rowsLoaded], [4, 4]);
  const e = await expensesOf(c2);
  assert.deepEqual(e.map((x) => [x.gov_number, x.date, x.fuel, x.repair, x.total_cost]), [
    ["А123ВС77", "2025-11-27", "2156.00", undefined, "2156.00"],
    ["В456ОР199", "2025-11-28", "1528.80", "-300.00", "1228.80"],
  ]);
  assert.equal(e[0].extra, '{"__proto__": "not a prototype", "constructor": "x"}');
  assert.deepEqual(await vehiclesOf(c2), [
    { gov_number: "А123ВС77", vehicle_type: "Грузовой", release_year: "2019", fuel_consumption: "32.5", trailer: "true" },
    { gov_number: "В456ОР199", vehicle_type: "Легковой", release_year: "2021", fuel_consumption: "9.8", trailer: "false" },
  ]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  const c3 = await newClient();
  const n = await load(c3, fx("good/expenses.ndjson"));
  assert.equal(n.status, "ok");
  assert.deepEqual((await expensesOf(c3)).map((x) => [x.gov_number, x.date, x.driver, x.fuel, x.fines]), [
    ["А123ВС77", "2025-11-27", "Иванов И.И.", "2156.00", undefined],
    ["В456ОР199", "2025-11-28", "Петров П.П.", "1528.80", "500.00"],
    ["Е001КХ50", "2025-11-29", undefined, undefined, undefined],
  ]);
});

test("UTF-8 BOM CSV and tab-separated vehicles with multi-line quoted cells", async () => {
  const c = await newClient();
  const r = await load(c, fx("good/expenses_utf8_bom.csv"));
  assert.equal(r.status, "ok");
  assert.deepEqual((await expensesOf(c)).map((x) => [x.gov_number, x.fuel, x.flat_roads, x.extra]), [
    ["А123ВС77", "2156.00", "120.00", undefined],
    ["В456ОР199", "1528.80", undefined, '{"notes": "ok"}'],
    ["Е001КХ50", undefined, "-350.00", '{"notes": "refund, toll"}'],
  ]);
  const v = await load(c, fx("good/vehicles_tab.csv"));
  assert.equal(v.status, "ok");
  assert.deepEqual((await vehiclesOf(c)).map((x) => [x.gov_number, x.trailer, x.extra]), [
    ["А123ВС77", "true", '{"Примечание": "Рефрижератор.\\nЗимняя резина с 01.11"}'],
    ["В456ОР199", "false", undefined],
    ["Е001КХ50", "true", '{"Примечание": "Арендован у \\"Лизинг-Авто\\",\\nдоговор № 17\\nдо 2026 года"}'],
    ["Х777ХХ777", "false", '{"Примечание": "резерв"}'],
  ]);
});

test("idempotency: every good fixture loaded twice gives identical tables; the second load changes nothing", async () => {
  for (const f of ["expenses_cp1251.csv", "expenses_utf8_bom.csv", "vehicles_tab.csv", "expenses.json", "fleet.json", "expenses.ndjson", "fleet_report.xlsx"]) {
    const c = await newClient();
    const r1 = await load(c, fx(`good/${f}`));
    assert.ok(r1.changed, f);
    const before = await snapshot(c);
    const v1 = await dataVersion(c);
    const r2 = await load(c, fx(`good/${f}`));
    assert.equal(r2.status, r1.status, f);
    assert.equal(r2.changed, false, `${f}: second load changed=false`);
    assert.equal(await snapshot(c), before, `${f}: identical table contents (load_id included: no row was rewritten)`);
    assert.equal(await dataVersion(c), v1, `${f}: data_version not bumped`);
  }
});

// ---------------------------------------------------------------------------------------------
// rows for one vehicle-day, duplicates, reject share

test("rows for one vehicle-day are never silently dropped: per driver kept, same driver summed, exact duplicates counted", async () => {
  const c = await newClient();
  const f = join(tmp, "same_day.csv");
  writeFileSync(
    f,
    [
      "Дата;Госномер;Водитель;Топливо, руб;Ремонт",
      "01.03.2025;А123ВС77;Иванов;1000;0",
      "01.03.2025;А123ВС77;Петров;2000;0", // another driver, same vehicle-day: its own row
      "01.03.2025;А123ВС77;Иванов;500;100", // same driver, same day, other values: summed
      "01.03.2025;А123ВС77;Петров;2000;0", // exact duplicate: counted, not double-counted
      "02.03.2025;А123ВС77;;300;0",
      "02.03.2025;A123BC77;;300;0", // the same plate in Latin letters: an exact duplicate of the row above
    ].join("\r\n") + "\r\n",
  );
  const r = await load(c, f);
  assert.equal(r.status, "ok");
  assert.deepEqual([r.rowsRead, r.rowsLoaded, r.rowsDuplicate, r.rowsRejected], [6, 4, 2, 0]);
  assert.equal(r.report.merged_rows_same_vehicle_day, 1);
  assert.deepEqual((await expensesOf(c)).map((x) => [x.date, x.driver ?? "", x.fuel, x.repair]), [
    ["2025-03-01", "Иванов", "1500.00", "100.00"],
    ["2025-03-01", "Петров", "2000.00", undefined],
    ["2025-03-02", "", "300.00", undefined],
  ]);
});

function manyRows(good: number, bad: number): string {
  const lines = ["date,gov_number,driver,fuel"];
  for (let i = 0; i < good; i++) lines.push(`2025-01-${String((i % 28) + 1).padStart(2, "0")},А${String(100 + (i % 800)).padStart(3, "0")}ВС77,Водитель ${i},${1000 + i}`);
  for (let i = 0; i < bad; i++) lines.push(`2025-02-01,В${String(100 + i).padStart(3, "0")}ОР99,x,not-a-number`);
  return lines.join("\n") + "\n";
}

test("reject-share refusal: more than 5% bad rows → refused, nothing loaded, rejects still recorded", async () => {
  const c = await newClient();
  const f = join(tmp, "mostly_bad.csv");
  writeFileSync(f, manyRows(100, 12)); // 12 of 112 = 10.7%
  const r = await load(c, f);
  assert.equal(r.status, "refused");
  assert.match(r.error ?? "", /12 of 112 rows \(10\.7%\) were rejected, more than the 5% allowed/);
  assert.match(r.error ?? "", /nothing from this source was loaded/);
  assert.deepEqual([r.rowsRead, r.rowsLoaded, r.rowsRejected], [112, 0, 112]);
  assert.deepEqual(await counts(c), { expenses: 0, vehicles: 0 });
  assert.equal(await dataVersion(c), 0);
  const rejects = await rejectsOf(r.loadId);
  assert.equal(rejects.length, 12);
  assert.deepEqual(rejects[0], { row: 102, table: "expenses", reason: '"fuel": "not-a-number" is not a number', raw: { date: "2025-02-01", gov_number: "В100ОР99", driver: "x", fuel: "not-a-number" } });

  // under the share: loaded, with the rejects
  const c2 = await newClient();
  const f2 = join(tmp, "few_bad.csv");
  writeFileSync(f2, manyRows(200, 10)); // 4.8%
  const r2 = await load(c2, f2);
  assert.equal(r2.status, "partial");
  assert.deepEqual([r2.rowsRead, r2.rowsLoaded, r2.rowsRejected], [210, 200, 10]);
  assert.equal((await counts(c2)).expenses, 200);
  assert.equal((await rejectsOf(r2.loadId)).length, 10);

  // a stricter share for this load
  const c3 = await newClient();
  const r3 = await load(c3, f2, { maxRejectShare: 0.01 });
  assert.equal(r3.status, "refused");
  assert.equal((await counts(c3)).expenses, 0);
});

// ---------------------------------------------------------------------------------------------
// INGEST.md §Bad inputs: a clear error, a loads row saying why, nothing else changed

const refusals: [string, string, RegExp][] = [
  ["empty file", "bad/empty.csv", /empty\.csv is empty/],
  ["header only", "bad/header_only.csv", /header row .* but no data rows/],
  ["binary garbage named .csv", "bad/garbage.csv", /garbage\.csv .*(binary|not CSV)/],
  ["binary garbage named .xlsx", "bad/garbage.xlsx", /garbage\.xlsx is not an Excel workbook/],
  ["an .xlsx that is a CSV", "bad/csv_named.xlsx", /not an Excel workbook .*rename it to \.csv/],
  ["a .csv that is an .xlsx", "bad/xlsx_named.csv", /not a CSV text file: it is a ZIP archive/],
  ["truncated xlsx", "bad/truncated.xlsx", /truncated or damaged/],
  ["wrong encoding (UTF-16)", "bad/utf16.csv", /UTF-16/],
  ["unbalanced quotes", "bad/unbalanced_quotes.csv", /quote opened on line 3 is never closed/],
  ["no recognisable columns", "bad/no_columns.csv", /no recognisable columns: headers seen "Колонка1", "Сумма", "Примечание"/],
  ["duplicate target columns", "bad/duplicate_target.csv", /two columns map to the same field "fuel": "Топливо" \(column 3\) and "ГСМ" \(column 4\)/],
  ["a date column full of text", "bad/date_text.csv", /4 of 4 rows .* First reject: row 2: "date": "вчера" is not a date/],
  ["xlsx bomb (declared size)", "bad/bomb_declared.xlsx", /zip bomb/],
  ["xlsx bomb (lying size)", "bad/bomb_lying.xlsx", /zip bomb/],
  ["JSON that is a string", "bad/not_array.json", /not a JSON array or object/],
  ["JSON object without arrays", "bad/object_no_arrays.json", /JSON object without arrays of records/],
  ["JSON syntax error", "bad/bad_syntax.json", /not valid JSON at line 1/],
  ["deeply nested JSON", "bad/deep.json", /nested deeper than 32 levels/],
  ["NUL bytes", "bad/nul_bytes.csv", /NUL bytes/],
];

for (const [what, file, message] of refusals) {
  test(`bad input — ${what}: refused with a reason, nothing loaded`, async () => {
    const c = await newClient();
    const before = await counts("c_files_1");
    const r = await load(c, fx(file));
    assert.ok(r.status === "refused" || r.status === "failed", `${file}: ${r.status}`);
    assert.match(r.error ?? "", message);
    const [row] = await db.sql<{ status: string; error: string }[]>`select status, error from fleet.loads where load_id = ${r.loadId}`;
    assert.ok(row.status === "refused" || row.status === "failed");
    assert.match(row.error, message);
    assert.deepEqual(await counts(c), { expenses: 0, vehicles: 0 });
    assert.equal(await dataVersion(c), 0);
    assert.deepEqual(await counts("c_files_1"), before, "other clients untouched");
  });
}

test("bad input — a very long line (an unclosed quote running over 1 MiB): refused, not buffered", async () => {
  const c = await newClient();
  const f = join(tmp, "long_line.csv");
  writeFileSync(f, "Дата;Госномер;Топливо\r\n27.11.2025;А123ВС77;100\r\n" + '28.11.2025;А123ВС77;"' + "x".repeat(1_200_000) + "\r\n");
  const r = await load(c, f);
  assert.equal(r.status, "refused");
  assert.match(r.error ?? "", /longer than|never closed|runs past/);
  assert.deepEqual(await counts(c), { expenses: 0, vehicles: 0 });
});

test("bad input — a very long cell: that row is rejected with the reason, the others load", async () => {
  const c = await newClient();
  const r = await load(c, fx("bad/long_cell.csv"));
  assert.equal(r.status, "partial");
  const rejects = await rejectsOf(r.loadId);
  assert.deepEqual(rejects.map((x) => [x.row, x.reason]), [[2, '"Комментарий": the cell is 20000 characters long (limit 10000)']]);
  assert.ok(rejects[0].raw["Комментарий"].length < 2100, "the stored raw value is cut");
  assert.deepEqual((await expensesOf(c)).map((x) => [x.gov_number, x.fuel, x.extra]), [["В456ОР199", "200.00", '{"Комментарий": "ok"}']]);
});

test("bad input — a file for another client: loaded for this client, the other client values reported", async () => {
  const c = await newClient();
  const r = await load(c, fx("bad/other_client.csv"));
  assert.equal(r.status, "ok");
  const t = (r.report.tables as Record<string, unknown>[])[0];
  assert.deepEqual(t.client_column_values_ignored, ["c_other", "ООО Другая"]);
  assert.equal((await counts(c)).expenses, 3);
  const other = await db.sql`select 1 from fleet.expenses where client_id <> ${c} and extra::text like '%c_other%'`;
  assert.equal(other.length, 0);
  const [row] = await db.sql<{ report: { tables: { client_column_values_ignored: string[] }[] } }[]>`select report from fleet.loads where load_id = ${r.loadId}`;
  assert.deepEqual(row.report.tables[0].client_column_values_ignored, ["c_other", "ООО Другая"]);
});

test('bad input — SQL-looking headers ("; drop table …) end up only in extra and the report', async () => {
  const c = await newClient();
  const r = await load(c, fx("bad/sql_headers.csv"));
  assert.equal(r.status, "ok");
  const unknown = ((r.report.tables as Record<string, unknown>[])[0].unknown_columns as { header: string }[]).map((u) => u.header);
  assert.deepEqual(unknown, ['"; drop table fleet.expenses; --', "Robert'); DROP TABLE students;--"]);
  assert.deepEqual((await expensesOf(c)).map((x) => [x.gov_number, x.fuel, x.extra]), [
    ["А123ВС77", "100.00", `{"\\"; drop table fleet.expenses; --": "x", "Robert'); DROP TABLE students;--": "y"}`],
  ]);
  // the tables are all still there
  const [t] = await db.sql<{ n: string }[]>`select count(*) as n from information_schema.tables where table_schema = 'fleet' and table_name in ('expenses', 'vehicles', 'loads')`;
  assert.equal(t.n, "3");
  const [u] = await db.sql<{ unknown_columns: unknown }[]>`select unknown_columns from fleet.loads where load_id = ${r.loadId}`;
  assert.match(JSON.stringify(u.unknown_columns), /drop table fleet\.expenses/);
});

test("bad input — formula-looking cells stay text (extra / driver), never evaluated", async () => {
  const c = await newClient();
  const r = await load(c, fx("bad/formula_cells.csv"));
  // "=2*50" in a money column is not a number: that row is rejected, not computed to 100
  assert.equal(r.status, "partial");
  assert.deepEqual((await rejectsOf(r.loadId)).map((x) => [x.row, x.reason]), [[3, '"fuel": "=2*50" is not a number']]);
  assert.deepEqual((await expensesOf(c)).map((x) => [x.gov_number, x.driver, x.fuel, x.extra]), [
    ["А123ВС77", "=1+2", "100.00", '{"Ссылка": "=HYPERLINK(\\"http://evil.example/\\",\\"click\\")"}'],
    ["Е001КХ50", "+7 495 123-45-67", "300.00", '{"Ссылка": "-2+3"}'],
  ]);
});

test("a file name made of dots (..report..csv) is just a name", async () => {
  const c = await newClient();
  const r = await load(c, fx("bad/..report..csv"));
  assert.equal(r.status, "ok");
  assert.equal(r.source, "..report..csv");
  assert.equal((await counts(c)).expenses, 1);
});

test("a missing file: refused, the loads row says so, nothing loaded", async () => {
  const c = await newClient();
  const r = await load(c, join(tmp, "no_such_file.csv"));
  assert.equal(r.status, "refused");
  assert.match(r.error ?? "", /no_such_file\.csv: cannot open \(ENOENT\)/);
  assert.deepEqual(await counts(c), { expenses: 0, vehicles: 0 });
});
