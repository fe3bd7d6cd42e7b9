// Value parsers: numbers/money as Russian Excel and 1C write them, dates, booleans, plates, drivers.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cellText,
  excelSerialToDate,
  normaliseDriver,
  normalisePlate,
  parseBoolean,
  parseDate,
  parseMoney,
  parseNumber,
  simpleNumber,
} from "../src/ingest/values.js";

const money = (v: unknown) => {
  const r = parseMoney(v as never, "fuel");
  return r.ok ? r.value : r.reason;
};

test("parseMoney accepts the ways people write amounts", () => {
  const cases: [unknown, number][] = [
    ["1 234,56", 1234.56],
    ["1234.56", 1234.56],
    ["1 234,56 ₽", 1234.56],
    ["1234,56 руб.", 1234.56],
    ["1\u00a0234,56", 1234.56], // NBSP
    ["1\u202f234\u202f567,8", 1234567.8], // narrow NBSP
    ["1\u2009234,5", 1234.5], // thin space
    ["1,234.56", 1234.56],
    ["1.234,56", 1234.56],
    ["1.234.567", 1234567],
    ["1,234,567", 1234567],
    ["-5", -5],
    ["−7,5", -7.5], // Unicode minus
    ["(123)", -123],
    ["(1 234,50 ₽)", -1234.5],
    ["+12", 12],
    ["0,5", 0.5],
    [",5", 0.5],
    ["100р", 100],
    ["100 рублей", 100],
    ["1,5E+3", 1500],
    ["  42  ", 42],
    [1234.5600000000002, 1234.56],
    [0, 0],
  ];
  for (const [input, expected] of cases) assert.equal(money(input), expected, `input ${JSON.stringify(input)}`);
});

test("parseMoney: empty is 0", () => {
  for (const v of ["", "   ", null, undefined, "\u00a0"]) assert.equal(money(v), 0);
});

test("parseNumber: empty is null (attributes)", () => {
  assert.deepEqual(parseNumber("", "mileage"), { ok: true, value: null });
  assert.deepEqual(parseNumber(null), { ok: true, value: null });
});

test("parseMoney rejects text, bad groupings, NaN and Infinity with a reason naming the field", () => {
  assert.deepEqual(parseMoney("abc", "fuel"), { ok: false, reason: '"fuel": "abc" is not a number' });
  for (const v of ["1,2,3", "12 34", "NaN", "Infinity", "-Infinity", "1.2.3", "1,23,4", "--5", "5-", "1 2", "=1+2", "12abc", "1e999"]) {
    const r = parseMoney(v, "fuel");
    assert.equal(r.ok, false, `should reject ${JSON.stringify(v)}`);
    if (!r.ok) assert.match(r.reason, /^"fuel": ".*" is not a (finite )?number$/);
  }
  assert.equal(parseMoney(Number.NaN, "fuel").ok, false);
  assert.equal(parseMoney(Number.POSITIVE_INFINITY, "fuel").ok, false);
  assert.equal(parseMoney(true as never, "fuel").ok, false);
  assert.equal(parseMoney(new Date() as never, "fuel").ok, false);
});

const date = (v: unknown, today = "2026-11-27") => {
  const r = parseDate(v as never, "date", { today });
  return r.ok ? r.value : r.reason;
};

test("parseDate: Russian, ISO, slashes, two-digit years, times, serials, Dates", () => {
  const cases: [unknown, string][] = [
    ["27.11.2025", "2025-11-27"],
    ["2025-11-27", "2025-11-27"],
    ["27/11/2025", "2025-11-27"],
    ["27-11-2025", "2025-11-27"],
    ["27.11.25", "2025-11-27"],
    ["1.2.2025", "2025-02-01"],
    ["27.11.2025 14:30", "2025-11-27"],
    ["27.11.2025 0:00:00", "2025-11-27"],
    ["2025-11-27 23:59:59", "2025-11-27"],
    ["2025-11-27T14:30:00Z", "2025-11-27"],
    ["2025-11-27T14:30:00.123+03:00", "2025-11-27"],
    ["27.11.2025 г.", "2025-11-27"],
    ["20251127", "2025-11-27"],
    [45988, "2025-11-27"], // Excel serial
    [45988.75, "2025-11-27"], // with time
    ["45988", "2025-11-27"],
    [new Date(Date.UTC(2025, 10, 27)), "2025-11-27"],
    ["29.02.2024", "2024-02-29"],
  ];
  for (const [input, expected] of cases) assert.equal(date(input), expected, `input ${JSON.stringify(input)}`);
});

test("parseDate rejects impossible dates and text, naming the value", () => {
  assert.equal(date("31.02.2025"), '"date": "31.02.2025" is not a date (expected DD.MM.YYYY or YYYY-MM-DD)');
  assert.equal(date("вчера"), '"date": "вчера" is not a date (expected DD.MM.YYYY or YYYY-MM-DD)');
  for (const v of ["29.02.2025", "00.11.2025", "27.13.2025", "2025-11-32", "11/27/2025", "n/a", "-", true]) {
    assert.equal(typeof date(v) === "string" && /^\d{4}-/.test(date(v) as string), false, `should reject ${String(v)}`);
  }
});

test("parseDate range: 2000-01-01 … today + 1 year (today injectable)", () => {
  assert.equal(date("01.01.2000"), "2000-01-01");
  assert.equal(date("31.12.1999"), '"date": "31.12.1999" is outside the accepted range 2000-01-01 … 2027-11-27');
  assert.equal(date("27.11.2027"), "2027-11-27");
  assert.equal(date("28.11.2027"), '"date": "28.11.2027" is outside the accepted range 2000-01-01 … 2027-11-27');
  assert.equal(date("28.11.2027", "2027-01-01"), "2027-11-28");
  assert.equal(date("27.11.99"), '"date": "27.11.99" is outside the accepted range 2000-01-01 … 2027-11-27');
  assert.deepEqual(parseDate("", "date"), { ok: true, value: null });
  const r = parseDate("01.01.1990", "start_date", { min: "1950-01-01", today: "2026-11-27" });
  assert.deepEqual(r, { ok: true, value: "1990-01-01" });
});

test("excelSerialToDate: 1900 and 1904 systems", () => {
  assert.equal(excelSerialToDate(45988).toISOString(), "2025-11-27T00:00:00.000Z");
  assert.equal(excelSerialToDate(45988.5).toISOString(), "2025-11-27T12:00:00.000Z");
  assert.equal(excelSerialToDate(44526, true).toISOString(), "2025-11-27T00:00:00.000Z");
});

test("parseBoolean: да/нет, true/false, 1/0, +/−/-, yes/no, есть/нет", () => {
  const t = ["да", "Да", "ДА", "true", "TRUE", "1", "+", "yes", "Y", "есть", "истина", 1, true];
  const f = ["нет", "Нет", "false", "0", "-", "−", "no", "N", "ложь", 0, false];
  for (const v of t) assert.deepEqual(parseBoolean(v as never), { ok: true, value: true }, `${String(v)}`);
  for (const v of f) assert.deepEqual(parseBoolean(v as never), { ok: true, value: false }, `${String(v)}`);
  assert.deepEqual(parseBoolean(""), { ok: true, value: null });
  assert.deepEqual(parseBoolean("возможно", "trailer"), { ok: false, reason: '"trailer": "возможно" is not yes/no (expected да/нет, 1/0, true/false)' });
  assert.equal(parseBoolean(2).ok, false);
});

test("normalisePlate: one vehicle however it is typed", () => {
  const same = ["а123вс77", "A123BC 77", "А 123 ВС 77", "a123bc77", "А123ВС77 RUS", "\u00a0А123ВС\u00a077\t", "А123ВС-77"];
  for (const v of same) assert.deepEqual(normalisePlate(v), { ok: true, value: "А123ВС77" }, v);
  // every Latin look-alike maps to Cyrillic
  assert.deepEqual(normalisePlate("ABEKMHOPCTYX"), { ok: true, value: "АВЕКМНОРСТУХ" });
  // other Latin letters stay (not plates of Russia, but kept as typed)
  assert.deepEqual(normalisePlate("dz 1234"), { ok: true, value: "DZ1234" });
  assert.deepEqual(normalisePlate(12345), { ok: true, value: "12345" });
  assert.deepEqual(normalisePlate(""), { ok: false, reason: '"gov_number": is empty (a vehicle registration number is required)' });
  assert.equal(normalisePlate("x".repeat(40)).ok, false);
});

test("normaliseDriver: trimmed, inner spaces collapsed, empty = ''", () => {
  assert.equal(normaliseDriver("  Иванов   Иван\u00a0 Иванович "), "Иванов Иван Иванович");
  assert.equal(normaliseDriver("Петров\r\nП.П."), "Петров П.П.");
  assert.equal(normaliseDriver(""), "");
  assert.equal(normaliseDriver(null), "");
});

test("cellText: dates as ISO, numbers as typed", () => {
  assert.equal(cellText(new Date(Date.UTC(2025, 10, 27))), "2025-11-27");
  assert.equal(cellText(new Date(Date.UTC(2025, 10, 27, 14, 30))), "2025-11-27T14:30:00Z");
  assert.equal(cellText(12.5), "12.5");
  assert.equal(cellText(null), "");
});

test("plain numbers (the parser's fast path) read exactly as Number() reads them", () => {
  // the fast path replaces /^-?\d{1,15}([.,]\d{1,15})?$/ + Number(); it must agree on every text
  const SIMPLE = /^-?\d{1,15}(?:[.,]\d{1,15})?$/;
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const chars = "0123456789-.,e +";
  for (let t = 0; t < 200_000; t++) {
    let x = "";
    const len = 1 + Math.floor(rnd() * 34);
    for (let i = 0; i < len; i++) x += rnd() < 0.9 ? chars[Math.floor(rnd() * 10)] : chars[10 + Math.floor(rnd() * 6)];
    if (rnd() < 0.3) x = "-" + x;
    const expected = SIMPLE.test(x) ? Number(x.replace(",", ".")) : undefined;
    const got = simpleNumber(x);
    assert.ok(Object.is(got, expected === 0 ? 0 : expected), `${JSON.stringify(x)}: ${got} vs ${expected}`);
    // and through parseNumber / parseMoney, as before
    if (expected !== undefined) {
      assert.deepEqual(parseNumber(x), { ok: true, value: expected === 0 ? 0 : expected });
    }
  }
  assert.deepEqual([simpleNumber("490.27"), simpleNumber("-38,5"), simpleNumber("0"), simpleNumber("-0"), simpleNumber("1 234")], [490.27, -38.5, 0, 0, undefined]);
});
