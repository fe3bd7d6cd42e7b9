import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
const bin = join(import.meta.dirname, "..", "bin", "fleetsight.js");
const home = mkdtempSync(join(tmpdir(), "fs-demo-"));

function demo() {
  return spawnSync(process.execPath, [bin, "demo", "--days", "60"], {
    env: { ...process.env, DATABASE_URL: db.url, FLEETSIGHT_HOME: home },
    encoding: "utf8",
    timeout: 600_000,
  });
}

const snapshot = async () => {
  const [r] = await db.sql<{ expenses: string; loads_changed: string; fraud: string }[]>`
    select (select md5(string_agg(e::text, ',' order by client_id, gov_number, date, driver)) from fleet.expenses e) as expenses,
           (select count(*) from fleet.loads where (report ->> 'changed')::boolean) as loads_changed,
           (select md5(string_agg(client_id || analysis_type || result_json::text, ',' order by client_id, analysis_type)) from fleet.fraud_json) as fraud`;
  return r;
};

test("the demo loads and analyses three clients, and a second run changes nothing", async () => {
  const first = demo();
  assert.equal(first.status, 0, first.stderr);
  for (const id of ["demo_logistics", "demo_construction", "demo_carsharing"]) assert.match(first.stdout, new RegExp(`^${id} — `, "m"));
  assert.match(first.stdout, /psql ".*" -c "select client_id, analysis_type/);
  const types = await db.sql<{ client_id: string; n: string }[]>`
    select client_id, count(*) as n from fleet.fraud_json
    where analysis_type in ('expenses_data', 'fuel_km_per_month', 'aggregated_expenses_by_month_year')
    group by 1 order by 1`;
  assert.deepEqual(types.map((t) => [t.client_id, t.n]), [["demo_carsharing", "3"], ["demo_construction", "3"], ["demo_logistics", "3"]]);
  // the analyses agree with the loaded rows: expenses_data's yearly totals sum to all money loaded
  const [chk] = await db.sql<{ json_total: string; table_total: string }[]>`
    select (select sum((v ->> 'all_expenses')::numeric) from fleet.fraud_json f, json_each(f.result_json) as y(k, v)
            where f.client_id = 'demo_logistics' and f.analysis_type = 'expenses_data') as json_total,
           (select sum(total_cost) from fleet.expenses where client_id = 'demo_logistics') as table_total`;
  assert.equal(chk.json_total, chk.table_total);
  const before = await snapshot();
  const second = demo();
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /unchanged since the last analysis/);
  assert.deepEqual(await snapshot(), before);
});
