-- Status views for psql users and the dashboard: one row per client (fleet.client_status) and the
-- latest load per client and source (fleet.latest_loads). Jobs are read through graphile-worker's
-- public view (graphile_worker.jobs), matched by our job keys <task>:<client_id>.
drop view if exists fleet.client_status;
drop view if exists fleet.latest_loads;

create view fleet.latest_loads as
select distinct on (l.client_id, l.source_kind, l.source_name)
  l.client_id, l.load_id, l.source_kind, l.source_name, l.status,
  l.rows_read, l.rows_loaded, l.rows_duplicate, l.rows_rejected,
  jsonb_array_length(l.unknown_columns) as unknown_columns,
  l.error, l.started_at, l.finished_at,
  round(extract(epoch from (l.finished_at - l.started_at))::numeric, 3) as seconds
from fleet.loads l
order by l.client_id, l.source_kind, l.source_name, l.started_at desc, l.load_id desc;
comment on view fleet.latest_loads is 'The latest load of every client source (file name or database): status, counts, error, duration.';

create view fleet.client_status as
with expense_facts as (
  select e.client_id, count(*) as expense_rows, count(distinct e.gov_number) as vehicles_in_expenses,
         min(e.date) as first_date, max(e.date) as last_date
  from fleet.expenses e
  group by e.client_id
),
last_load as (
  select distinct on (l.client_id) l.client_id, l.load_id, l.source_name, l.status, l.finished_at, l.error
  from fleet.loads l
  order by l.client_id, l.started_at desc, l.load_id desc
),
client_jobs as (
  select split_part(j.key, ':', 2) as client_id,
         count(*) filter (where j.attempts < j.max_attempts) as pending_jobs,
         count(*) filter (where j.attempts >= j.max_attempts) as failed_jobs,
         (array_agg(j.last_error order by j.updated_at desc) filter (where j.last_error is not null))[1] as last_job_error
  from graphile_worker.jobs j
  where j.key like 'load:%' or j.key like 'analyze:%'
  group by 1
)
select
  c.client_id, c.name, c.industry, i.name_ru as industry_ru, c.year_budget,
  (select count(*) from fleet.vehicles v where v.client_id = c.client_id) as vehicles,
  coalesce(ef.expense_rows, 0) as expense_rows,
  ef.first_date, ef.last_date,
  ll.load_id as last_load_id, ll.source_name as last_load_source, ll.status as last_load_status,
  ll.finished_at as last_load_at, ll.error as last_load_error,
  c.analyzed_at,
  (c.analyzed_version is distinct from c.data_version) as analysis_pending,
  coalesce(cj.pending_jobs, 0) as pending_jobs,
  coalesce(cj.failed_jobs, 0) as failed_jobs,
  cj.last_job_error
from fleet.clients c
join fleet.industries i on i.code = c.industry
left join expense_facts ef on ef.client_id = c.client_id
left join last_load ll on ll.client_id = c.client_id
left join client_jobs cj on cj.client_id = c.client_id;
comment on view fleet.client_status is 'One row per client: industry, vehicles, expense rows and date range, last load and its status, analysed at, pending and failed jobs with the last job error.';
