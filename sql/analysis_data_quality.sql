-- data_quality (new analysis, docs/ANOMALIES.md): what the client's data is worth — per source
-- (file or database) its latest load: rows read / loaded / duplicate / rejected, unknown columns,
-- reject reasons (fleet.loads, fleet.load_rejects); vehicles present in expenses but missing in
-- fleet.vehicles and runs of days without data (the data_quality findings of fleet.anomalies); the
-- coverage of the date range. Latest load per source, without timestamps or load ids, so
-- reloading an unchanged source leaves the JSON byte-identical. {} when the client has neither
-- expense rows nor loads. Grain: one JSON object per client.
-- Speed (1M rows): jit off — the planner costs the intermediate's uncached branch (a scan of every
-- expense row), and JIT-compiling ~100 functions took longer than the whole query on the ~40k
-- cached vehicle-driver-months; the vehicles are counted by hashing (one pass over the
-- intermediate with grouping sets), not by collecting and sorting a name array per month.
create or replace function fleet.analysis_data_quality(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with latest as (
    select distinct on (l.source_kind, l.source_name) l.*
    from fleet.loads l
    where l.client_id = $1
    order by l.source_kind, l.source_name, l.started_at desc, l.load_id desc
  ),
  loads as (
    select l.*, row_number() over (order by l.source_kind, l.source_name) as rank
    from latest l
  ),
  reasons as (
    select r.load_id, json_object_agg(r.reason, r.n order by r.n desc, r.reason) as j
    from (
      select lr.load_id, lr.reason, count(*) as n
      from fleet.load_rejects lr
      where lr.client_id = $1 and lr.load_id in (select l.load_id from loads l where l.rank <= 100)
      group by lr.load_id, lr.reason
    ) r
    group by r.load_id
  ),
  findings as (
    select a.* from fleet.anomalies a where a.client_id = $1 and a.rule = 'data_quality'
  ),
  month_or_vehicle as (
    -- from the shared vehicle-driver-month intermediate (cached in the analyze transaction), in one
    -- pass: per month (gov_number null) the client's days with rows as one OR-ed bit mask (bit
    -- d-1 = day d) and the rows; per vehicle (month null) one row, to count the vehicles
    select v.month, v.gov_number, bit_or(v.day_mask)::bit(32) as days, sum(v.expense_rows) as rows
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    group by grouping sets ((v.month), (v.gov_number))
  ),
  month_days as (
    select mv.month, mv.days, mv.rows
    from month_or_vehicle mv
    where mv.month is not null
  ),
  coverage as (
    select
      min(m.month + (32 - length(rtrim(m.days::text, '0')))) as first_date,
      max(m.month + (length(ltrim(m.days::text, '0')) - 1)) as last_date,
      coalesce(sum(bit_count(m.days)), 0) as days_with_data,
      (select count(*) from month_or_vehicle mv where mv.gov_number is not null) as vehicles_in_expenses,
      coalesce(sum(m.rows), 0) as rows
    from month_days m
  )
  select case when not exists (select 1 from loads) and (select c.rows from coverage c) = 0 then '{}'::json
  else json_build_object(
    'totals', (
      select json_build_object(
        'sources', count(*),
        'failed_sources', count(*) filter (where l.status in ('failed', 'refused')),
        'partial_sources', count(*) filter (where l.status = 'partial'),
        'rows_read', coalesce(sum(l.rows_read), 0),
        'rows_loaded', coalesce(sum(l.rows_loaded), 0),
        'rows_duplicate', coalesce(sum(l.rows_duplicate), 0),
        'rows_rejected', coalesce(sum(l.rows_rejected), 0)
      )
      from loads l
    ),
    'sources', coalesce((
      select json_agg(json_build_object(
          'source', l.source_name,
          'source_kind', l.source_kind,
          'status', l.status,
          'content_sha256', l.content_sha256,
          'rows_read', l.rows_read,
          'rows_loaded', l.rows_loaded,
          'rows_duplicate', l.rows_duplicate,
          'rows_rejected', l.rows_rejected,
          'reject_share', (l.rows_rejected::numeric / nullif(l.rows_read, 0))::float8,
          'unknown_columns', l.unknown_columns,
          'reject_reasons', coalesce(r.j, '{}'::json),
          'error', l.error
        ) order by l.rank)
      from loads l
      left join reasons r using (load_id)
      where l.rank <= 100
    ), '[]'::json),
    'coverage', (
      select json_build_object(
        'first_date', to_char(c.first_date, 'YYYY-MM-DD'),
        'last_date', to_char(c.last_date, 'YYYY-MM-DD'),
        'days', c.last_date - c.first_date + 1,
        'days_with_data', c.days_with_data,
        'expense_rows', c.rows,
        'vehicles_in_expenses', c.vehicles_in_expenses,
        'vehicles_in_register', (select count(*) from fleet.vehicles v where v.client_id = $1),
        'register_vehicles_without_expenses', (
          select count(*) from fleet.vehicles v
          where v.client_id = $1
            and not exists (select 1 from fleet.expenses e where e.client_id = $1 and e.gov_number = v.gov_number and e.date <= $2)
        )
      )
      from coverage c
    ),
    'unregistered_vehicles', coalesce((
      select json_agg(json_build_object(
          'gov_number', f.subject,
          'first_date', to_char(f.period_start, 'YYYY-MM-DD'),
          'last_date', to_char(f.period_end, 'YYYY-MM-DD'),
          'expense_rows', f.observed,
          'spend_rub', f.rub_at_stake
        ) order by f.rub_at_stake desc, f.subject)
      from findings f
      where f.details ->> 'issue' = 'vehicle_not_in_register'
    ), '[]'::json),
    'no_vehicle_register', exists (select 1 from findings f where f.details ->> 'issue' = 'no_vehicle_register'),
    'days_without_data', coalesce((
      select json_agg(json_build_object(
          'start', to_char(f.period_start, 'YYYY-MM-DD'),
          'end', to_char(f.period_end, 'YYYY-MM-DD'),
          'days', f.observed
        ) order by f.period_start)
      from findings f
      where f.details ->> 'issue' = 'days_without_data'
    ), '[]'::json)
  ) end
$$;
comment on function fleet.analysis_data_quality(text, date) is 'data_quality: per source its latest load''s read/loaded/duplicate/rejected rows, unknown columns and reject reasons; unregistered vehicles; days without data; coverage.';
