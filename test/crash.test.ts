// Crash safety (SPEC §6): kill -9 the loading process in the middle of its COPY, load again, and
// the result equals one clean load into another fresh database; the interrupted loads row ends up
// 'failed' with a reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase, type TestDb } from "./helpers/db.js";
import { generate } from "../src/generate/index.js";
import { loadFile } from "../src/load/files.js";

const crashed = await freshDatabase();
const clean = await freshDatabase();
for (const d of [crashed, clean]) await d.sql`insert into fleet.clients (client_id, industry) values ('c1', 'logistics')`;
const dir = mkdtempSync(join(tmpdir(), "fs-crash-"));
// ≈200k rows (274 vehicles × 730 days): long enough to be killed in the middle of its COPY.
await generate(dir, { vehicles: 274, days: 730, industry: "logistics", seed: 7 });
const file = join(dir, "expenses.csv");
const bin = join("bin", "fleetsight.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An md5 over every stored expense row (all columns but load_id), in key order. */
async function digest(d: TestDb): Promise<{ md5: string; rows: number }> {
  const [r] = await d.sql<{ md5: string; n: string }[]>`
    select md5(string_agg((to_jsonb(e) - 'load_id')::text, E'\n' order by gov_number, date, driver)) as md5, count(*) as n
    from fleet.expenses e where client_id = 'c1'`;
  return { md5: r.md5, rows: Number(r.n) };
}

test("kill -9 during the COPY, then load again: the result equals one clean load", { timeout: 900_000 }, async () => {
  const env = { ...process.env, DATABASE_URL: crashed.url, FLEETSIGHT_LOG_LEVEL: "error" };
  const child = spawn(process.execPath, [bin, "load", "c1", file], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  // wait until the loader is streaming into staging (its COPY is active), then a little more
  const started = Date.now();
  for (;;) {
    assert.ok(!exitedEarly, `the load ended before it could be killed: ${stderr}`);
    assert.ok(Date.now() - started < 300_000, "the COPY never started");
    const copying = await crashed.sql`
      select 1 from pg_stat_activity where datname = ${crashed.name} and state = 'active' and query ilike 'copy stage_expenses%'`;
    if (copying.length) break;
    await sleep(50);
  }
  await sleep(700);
  const [running] = await crashed.sql<{ load_id: string; status: string }[]>`select load_id, status from fleet.loads where client_id = 'c1'`;
  assert.equal(running.status, "running", "killed while the load was running");
  child.kill("SIGKILL");
  await exited;

  // the killed transaction applied nothing
  await sleep(200);
  assert.equal((await digest(crashed)).rows, 0, "nothing from the killed load is visible");

  const rerun = spawnSync(process.execPath, [bin, "load", "c1", file], { env, encoding: "utf8", timeout: 600_000 });
  assert.ok(rerun.status === 0 || rerun.status === 3, `rerun exit ${rerun.status}: ${rerun.stdout}${rerun.stderr}`);

  const r = await loadFile(clean.sql, "c1", file);
  assert.ok(r.status === "ok" || r.status === "partial", r.error ?? "");
  const a = await digest(crashed);
  const b = await digest(clean);
  assert.ok(b.rows > 150_000, `a big load (${b.rows} rows)`);
  assert.deepEqual(a, b, "the same rows, byte for byte, as one clean load");

  const loads = await crashed.sql<{ load_id: string; status: string; error: string | null }[]>`
    select load_id, status, error from fleet.loads where client_id = 'c1' order by load_id`;
  assert.equal(loads.length, 2);
  assert.equal(loads[0].load_id, running.load_id);
  assert.equal(loads[0].status, "failed");
  assert.match(loads[0].error ?? "", /interrupted/);
  assert.ok(loads[1].status === "ok" || loads[1].status === "partial");
  const [cv] = await crashed.sql<{ v: string }[]>`select data_version as v from fleet.clients where client_id = 'c1'`;
  assert.equal(cv.v, "1", "data_version bumped once, by the completed load");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
