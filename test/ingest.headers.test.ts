// Header normalisation, synonym lookup and table-kind decision.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SourceError } from "../src/ingest/types.js";
import {
  HeaderIndex,
  kindHintFromName,
  levenshtein,
  loadFieldDefs,
  loadSynonyms,
  mapHeaders,
  normaliseHeader,
  packageRoot,
} from "../src/ingest/headers.js";

const fields = loadFieldDefs();
const synonyms = loadSynonyms();
const map = (headers: string[], hint: "expenses" | "vehicles" | null = null, clientMap: { header: string; field: string }[] = []) =>
  mapHeaders(headers, synonyms, clientMap, fields, hint);

function refuses(fn: () => unknown, code: string, message: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SourceError, `expected SourceError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test("reference data loads from the package root", () => {
  assert.ok(packageRoot().length > 0);
  assert.ok(fields.find((f) => f.field === "fuel_liters" && f.type === "numeric"));
  assert.ok(synonyms.length > 300);
  // every synonym names a known field (or the client pseudo-field)
  const known = new Set(fields.map((f) => f.field));
  for (const s of synonyms) assert.ok(known.has(s.field) || s.field === "client", `unknown field ${s.field}`);
});

test("normaliseHeader: case, ё, separators, surrounding punctuation", () => {
  assert.equal(normaliseHeader("  Гос. рег. знак "), "гос рег знак");
  assert.equal(normaliseHeader("Гос.рег.знак"), "гос рег знак");
  assert.equal(normaliseHeader("гос__номер"), "гос номер");
  assert.equal(normaliseHeader("Гос - номер"), "гос номер");
  assert.equal(normaliseHeader("Объём бака"), "объем бака");
  assert.equal(normaliseHeader("«Дата»:"), "дата");
  assert.equal(normaliseHeader("*Госномер*"), "госномер");
  assert.equal(normaliseHeader("Дата\u00a0операции"), "дата операции");
  assert.equal(normaliseHeader('"; drop table fleet.expenses; --'), "drop table fleet expenses");
  assert.equal(normaliseHeader(null), "");
});

test("normaliseHeader keeps units and writes them one way", () => {
  assert.equal(normaliseHeader("Топливо, л"), "топливо, л");
  assert.equal(normaliseHeader("Топливо (л)"), "топливо, л");
  assert.equal(normaliseHeader("Топливо, литры"), "топливо, л");
  assert.equal(normaliseHeader("Топливо,руб."), "топливо, руб");
  assert.equal(normaliseHeader("Топливо [₽]"), "топливо, руб");
  assert.equal(normaliseHeader("Топливо, р."), "топливо, руб");
  assert.equal(normaliseHeader("Норма расхода, л/100 км"), "норма расхода, л/100 км");
  assert.notEqual(normaliseHeader("Топливо, л"), normaliseHeader("Топливо, руб"));
});

test("units decide litres vs rubles", () => {
  const ix = new HeaderIndex(synonyms, fields);
  const f = (h: string) => ix.lookup(h, "expenses")?.field ?? null;
  assert.equal(f("Топливо, л"), "fuel_liters");
  assert.equal(f("Топливо (литры)"), "fuel_liters");
  assert.equal(f("Топливо, руб"), "fuel");
  assert.equal(f("Топливо, ₽"), "fuel");
  assert.equal(f("Топливо"), "fuel");
  assert.equal(f("ГСМ, л"), "fuel_liters");
  // a unit suffix on any money synonym
  assert.equal(f("Штрафы, руб."), "fines");
  assert.equal(f("Ремонт (₽)"), "repair");
  // …but never a unit that contradicts the field's type
  assert.equal(f("Ремонт, л"), null);
  assert.equal(f("Пробег за день, км"), "daily_distance");
});

test("a synonym can mean different fields in the two tables (Одометр)", () => {
  const ix = new HeaderIndex(synonyms, fields);
  assert.equal(ix.lookup("Одометр", "expenses")?.field, "odometer_km");
  assert.equal(ix.lookup("Одометр", "vehicles")?.field, "mileage");
});

test("spacing variants: ГосНомер = Гос номер = гос_номер", () => {
  const ix = new HeaderIndex(synonyms, fields);
  for (const h of ["ГосНомер", "Гос номер", "гос_номер", "ГОС. НОМЕР", "Госномер:", "госномер"]) assert.equal(ix.lookup(h, "expenses")?.field, "gov_number", h);
});

test("mapHeaders: expenses (date + gov_number), mapping, unknown columns with suggestions", () => {
  const m = map(["Дата", "Гос. номер", "Водитель", "Топливо, л", "Топливо, руб", "Расходы на топливо АЗС", "Комментарий", ""]);
  assert.equal(m.kind, "expenses");
  assert.deepEqual(m.mapping, { "Дата": "date", "Гос. номер": "gov_number", "Водитель": "driver", "Топливо, л": "fuel_liters", "Топливо, руб": "fuel" });
  assert.deepEqual(
    m.unknown.map((u) => [u.header, u.column, u.suggestion]),
    [
      ["Расходы на топливо АЗС", 6, "fuel"],
      ["Комментарий", 7, null],
    ],
  );
  assert.equal(m.columns[7].extraKey, "column_8");
  assert.equal(m.columns[5].extraKey, "Расходы на топливо АЗС");
});

test("mapHeaders: near-miss headers get the closest field by edit distance", () => {
  const m = map(["Дата", "Госномер", "Тормозные колодкии", "Шиномантаж"]);
  assert.deepEqual(
    m.unknown.map((u) => u.suggestion),
    ["brake_pads", "tire_service"],
  );
});

test("mapHeaders: vehicles (gov_number, no date)", () => {
  const m = map(["Госномер", "Тип ТС", "Год выпуска", "Одометр", "Норма расхода, л/100 км", "Объём бака, л"]);
  assert.equal(m.kind, "vehicles");
  assert.deepEqual(Object.values(m.mapping), ["gov_number", "vehicle_type", "release_year", "mileage", "fuel_consumption", "tank_capacity_l"]);
});

test("mapHeaders: the name hint settles ambiguous tables", () => {
  // gov_number + money columns but no date: an expenses table missing its date
  refuses(() => map(["Госномер", "Топливо", "Ремонт"]), "no_date", /looks like an expenses table \(2 expense columns\) but has no date column/);
  refuses(() => map(["Госномер", "Водитель"], "expenses"), "no_date", /by its name/);
  assert.equal(map(["Госномер", "Водитель"]).kind, "vehicles");
  // one expense-looking column is not enough to call it an expenses table
  const one = map(["Госномер", "Тип ТС", "Аренда"]);
  assert.equal(one.kind, "vehicles");
  assert.deepEqual(one.unknown.map((u) => u.header), ["Аренда"]);
  // a vehicles sheet that happens to have a "Дата" column
  const v = map(["Госномер", "Дата", "Год выпуска", "Норма расхода"], "vehicles");
  assert.equal(v.kind, "vehicles");
  assert.equal(v.columns[1].field, null);
  assert.equal(map(["Госномер", "Дата", "Год выпуска", "Норма расхода"]).kind, "expenses");
});

test("kindHintFromName", () => {
  assert.equal(kindHintFromName("Транспорт.xlsx"), "vehicles");
  assert.equal(kindHintFromName("report.xlsx#ТС"), "vehicles");
  assert.equal(kindHintFromName("vehicles.json"), "vehicles");
  assert.equal(kindHintFromName("transport_park"), "vehicles");
  assert.equal(kindHintFromName("Расходы ноябрь.csv"), "expenses");
  assert.equal(kindHintFromName("transport_daily_expenses"), "expenses");
  assert.equal(kindHintFromName("expenses"), "expenses");
  assert.equal(kindHintFromName("отчет.csv"), null);
  assert.equal(kindHintFromName("парковка.csv"), null);
  assert.equal(kindHintFromName("ТСЖ.csv"), null);
});

test("duplicate targets are refused naming both columns", () => {
  refuses(() => map(["Дата", "Госномер", "Топливо", "ГСМ"]), "duplicate_target", /two columns map to the same field "fuel": "Топливо" \(column 3\) and "ГСМ" \(column 4\)/);
  refuses(() => map(["Дата", "Госномер", "Ремонт", "Ремонт"]), "duplicate_target", /"Ремонт" \(column 3\) and "Ремонт" \(column 4\)/);
});

test("no recognisable columns: refused with the headers seen and the closest synonyms", () => {
  refuses(() => map(["Колонка1", "Сумма", "Примечание"]), "no_columns", /headers seen "Колонка1", "Сумма", "Примечание"/);
  refuses(() => map(["Гос_номер_авто", "Датта"]), "no_columns", /"Датта" → maybe date \("Дата"\)/);
  refuses(() => map(["Дата", "Топливо"]), "no_gov_number", /no vehicle registration number column \(gov_number\): headers seen "Дата", "Топливо"/);
});

test("the client column is recognised and set apart, never mapped to client_id", () => {
  const m = map(["client", "date", "gov_number", "client_id", "Клиент"]);
  assert.deepEqual(m.clientColumns, [0, 3, 4]);
  assert.deepEqual(m.mapping, { date: "date", gov_number: "gov_number" });
  assert.equal(Object.values(m.mapping).includes("client_id"), false);
});

test("a client's own header map wins over the synonyms", () => {
  const m = map(["Дата", "Машина", "Топливо"], null, [
    { header: "машина", field: "gov_number" },
    { header: "Топливо", field: "fuel_liters" },
  ]);
  assert.deepEqual(m.mapping, { "Дата": "date", "Машина": "gov_number", "Топливо": "fuel_liters" });
  assert.equal(m.columns[1].source, "client_map");
});

test("SQL-looking headers are just unknown columns kept under their own text", () => {
  const h = '"; drop table fleet.expenses; --';
  const m = map(["Дата", "Госномер", h]);
  assert.equal(m.columns[2].field, null);
  assert.equal(m.columns[2].extraKey, h);
});

test("levenshtein", () => {
  assert.equal(levenshtein("колодки", "колодкии"), 1);
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abcdef", "uvwxyz", 2), 3);
});

test("client columns are recognised even with a synonym list that lacks the client pseudo-field", () => {
  const dbLike = synonyms.filter((s) => s.field !== "client");
  const m = mapHeaders(["client", "Дата", "Госномер", "Клиент"], dbLike, [], fields, null);
  assert.deepEqual(m.clientColumns, [0, 3]);
  assert.deepEqual(m.unknown, []);
});

test("suggestions stay quiet for unrelated headers", () => {
  const ix = new HeaderIndex(synonyms, fields);
  assert.equal(ix.suggest("Колонка1", "expenses"), null);
  assert.equal(ix.suggest("Сумма", "expenses"), null);
  assert.equal(ix.suggest("Расходы на топливо АЗС", "expenses")?.field, "fuel");
  assert.equal(ix.lookup("Пробег", "expenses")?.field, "daily_distance");
  assert.equal(ix.lookup("Пробег", "vehicles")?.field, "mileage");
});
