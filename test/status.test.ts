import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/db.js";

const db = await freshDatabase();
await db.sql`insert into fleet.clients (client_id, industry, year_budget) values ('s1', 'logistics', 100), ('s2', 'taxi', null)`;
await db.sql`insert into fleet.vehicles (client_id, gov_number) values ('s1', 'А001АА77'), ('s1', 'В002ВВ77')`;
await db.sql`insert into fleet.expenses (client_id, gov_number, date, fuel) values ('s1', 'А001АА77', '2025-01-01', 10), ('s1', 'А001АА77', '2025-03-05', 20)`;
await db.sql`insert into fleet.loads (client_id, source_kind, source_name, status, rows_read, rows_loaded, started_at, finished_at)
             values ('s1', 'file', 'a.csv', 'ok', 2, 2, '2025-04-01 10:00', '2025-04-01 10:00:02'),
                    ('s1', 'file', 'a.csv', 'refused', 5, 0, '2025-04-02 10:00', '2025-04-02 10:00:01'),
                    ('s1', 'file', 'b.csv', 'partial', 9, 8, '2025-04-01 09:00', '2025-04-01 09:00:01')`;
await db.sql`select fleet.add_job('analyze', 's2')`;

test("client_status: one row per client with data, last load and jobs", async () => {
  const rows = await db.sql<Record<string, unknown>[]>`
    select client_id, industry_ru, vehicles, expense_rows, first_date::text, last_date::text, last_load_source, last_load_status, pending_jobs, failed_jobs
    from fleet.client_status order by client_id`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [
    { client_id: "s1", industry_ru: "Логистика", vehicles: "2", expense_rows: "2", first_date: "2025-01-01", last_date: "2025-03-05", last_load_source: "a.csv", last_load_status: "refused", pending_jobs: "0", failed_jobs: "0" },
    { client_id: "s2", industry_ru: "Такси", vehicles: "0", expense_rows: "0", first_date: null, last_date: null, last_load_source: null, last_load_status: null, pending_jobs: "1", failed_jobs: "0" },
  ]);
});

test("latest_loads: the latest load of every source", async () => {
  const rows = await db.sql<{ source_name: string; status: string; seconds: string }[]>`
    select source_name, status, seconds from fleet.latest_loads where client_id = 's1' order by source_name`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [
    { source_name: "a.csv", status: "refused", seconds: "1.000" },
    { source_name: "b.csv", status: "partial", seconds: "1.000" },
  ]);
});

test("a failed job shows up as failed with its error", async () => {
  await db.sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'boom' where key = 'analyze:s2'`;
  const [r] = await db.sql<{ failed_jobs: string; last_job_error: string }[]>`select failed_jobs, last_job_error from fleet.client_status where client_id = 's2'`;
  assert.deepEqual({ ...r }, { failed_jobs: "1", last_job_error: "boom" });
});
