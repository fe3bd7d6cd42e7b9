import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
const bin = join(import.meta.dirname, "..", "bin", "fleetsight.js");
const dir = mkdtempSync(join(tmpdir(), "fs-cli-"));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url }, input, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("no command: usage, exit 2; unknown command: exit 2", () => {
  assert.equal(cli([]).code, 2);
  const r = cli(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
});

test("client add validates its arguments (exit 2)", () => {
  assert.equal(cli(["client", "add", "../x", "--industry", "logistics"]).code, 2);
  const r = cli(["client", "add", "k1", "--industry", "Космос"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown industry "Космос"; use one of: logistics \(Логистика\)/);
  assert.equal(cli(["client", "add", "k1", "--industry", "Логистика", "--budget", "abc"]).code, 2);
});

test("client add, load, analyze: exit 0; unknown client: exit 4", () => {
  const add = cli(["client", "add", "k1", "--industry", "Логистика", "--budget", "1 000 000"]);
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /client k1 created \(industry logistics, budget 1000000 ₽\)/);
  const f = join(dir, "ok.csv");
  writeFileSync(f, "gov_number,date,fuel\nА123ВС77,2025-01-15,5000\n");
  const load = cli(["load", "k1", f]);
  assert.equal(load.code, 0, load.err);
  assert.match(load.out, /rows: read 1, loaded 1, duplicate 0, rejected 0/);
  const an = cli(["analyze", "k1", "--json"]);
  assert.equal(an.code, 0, an.err);
  assert.ok(JSON.parse(an.out).analyses.length >= 3);
  const ghost = cli(["analyze", "ghost"]);
  assert.equal(ghost.code, 4);
  assert.match(ghost.err, /unknown client "ghost"/);
});

test("a file with some bad rows: exit 3 and the rejects named", () => {
  const f = join(dir, "partial.csv");
  const rows = ["gov_number,date,fuel"];
  for (let i = 0; i < 30; i++) rows.push(`А123ВС77,2025-02-${String((i % 28) + 1).padStart(2, "0")},${1000 + i}`);
  rows.push("А123ВС77,2025-03-01,abc");
  writeFileSync(f, rows.join("\n") + "\n");
  const r = cli(["load", "k1", f]);
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /reject row 32: .*fuel.*abc/);
});

test("a file with no recognisable columns: exit 4 with the headers named", () => {
  const f = join(dir, "junk.csv");
  writeFileSync(f, "foo,bar\n1,2\n");
  const r = cli(["load", "k1", f, "--json"]);
  assert.equal(r.code, 4);
  const out = JSON.parse(r.out);
  assert.equal(out.sources[0].status, "refused");
  assert.match(out.sources[0].error, /no recognisable columns: headers seen "foo", "bar"/);
});

test("forecast: bad input exit 2, good input a forecast", () => {
  assert.equal(cli(["forecast"], "not json").code, 2);
  assert.equal(cli(["forecast"], '{"values": ["a"]}').code, 2);
  const r = cli(["forecast", "--horizon", "2"], JSON.stringify({ values: [1, 2, 3, 4, 5, 6, 7, 8] }));
  assert.equal(r.code, 0, r.err);
  const f = JSON.parse(r.out);
  assert.equal(f.mean.length, 2);
});
