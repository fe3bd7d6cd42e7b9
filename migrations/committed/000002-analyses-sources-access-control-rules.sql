--! Previous: sha1:548d1b867d9b9ee38285816af4008ec45c303bb5
--! Hash: sha1:3f7a7732642b4a984de4a2ec4545d42a0fa53a9d
--! Message: analyses, sources, access control, rules

-- Analyses of the dashboard contract, shared intermediates and their cache, status views, client database sources, access control, fraud and waste rules.
--! Included run_analysis.sql
-- fleet.run_analysis: evaluate one registered SQL analysis for a client. The function to call comes
-- from fleet.analysis_types.fn, a regprocedure (an OID validated when the row was written), so no
-- identifier is ever built from a caller's text.
create or replace function fleet.run_analysis(analysis_type text, client_id text, as_of date)
returns json
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_fn regprocedure;
  v_result json;
begin
  select t.fn into v_fn
  from fleet.analysis_types t
  where t.analysis_type = run_analysis.analysis_type and t.engine = 'sql';
  if v_fn is null then
    raise exception 'fleet.run_analysis: % is not a registered SQL analysis', quote_literal(analysis_type) using errcode = '22023';
  end if;
  execute format('select %s($1, $2)', v_fn::regproc) into v_result using client_id, as_of;
  return coalesce(v_result, '{}'::json);
end;
$$;
comment on function fleet.run_analysis(text, text, date) is 'Evaluate the registered SQL analysis <analysis_type> for a client as of a date.';

-- fleet.client_analyses: the analysis types a client gets, from its industry and the matrix.
create or replace function fleet.client_analyses(client_id text)
returns table (analysis_type text, engine text, sort_order int)
language sql stable
as $$
  select t.analysis_type, t.engine, t.sort_order
  from fleet.clients c
  join fleet.analyses a on a.industry = c.industry
  join fleet.analysis_types t on t.analysis_type = a.analysis_type
  where c.client_id = $1
  order by t.sort_order, t.analysis_type
$$;
comment on function fleet.client_analyses(text) is 'The analysis types (and their engine) that the client''s industry gets, in contract order.';
--! EndIncluded run_analysis.sql
--! Included status_views.sql
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
--! EndIncluded status_views.sql
--! Included expenses_cache.sql
-- The per-transaction cache of the shared intermediates. An analyze run reads the client's expense
-- rows once per grain (fleet.expenses_cache_refresh) instead of once per analysis: the refresh
-- computes the month and vehicle-driver-month facts from fleet.expenses, the vehicle-month and
-- driver-month roll-ups from the latter, and keeps all four in unlogged tables stamped with the
-- refreshing transaction's id. The intermediates (fleet.expenses_by_*) read those rows back only
-- inside that same transaction; any other transaction ignores them and computes from
-- fleet.expenses, so a cache is never stale except for a transaction that changes the client's
-- expenses after refreshing (the analyze run doesn't). Copies of finished transactions are
-- garbage, deleted by the client's next refresh. The tables are scratch: dropped and recreated
-- whenever this file runs.
-- Grain: expenses_cache one row per (client, as_of, transaction, intermediate); the data tables
-- the rows of their intermediate, keyed by (client, as_of, transaction).
drop table if exists fleet.expenses_cache cascade;
create unlogged table fleet.expenses_cache (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  intermediate text not null check (intermediate in ('vehicle_driver_month', 'month', 'vehicle_month', 'driver_month')),
  refreshed_at timestamptz not null default now(),
  primary key (client_id, as_of, xid, intermediate)
);
comment on table fleet.expenses_cache is 'Marker: intermediate of (client_id, as_of) is cached for transaction xid (see fleet.expenses_cache_refresh). Unlogged scratch data, valid only inside that transaction.';

-- The cached intermediates: client, as_of, transaction, then the intermediate's columns in order.
drop table if exists fleet.expenses_cache_vehicle_driver_month cascade;
create unlogged table fleet.expenses_cache_vehicle_driver_month (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  gov_number text not null,
  driver text not null,
  month date not null,
  fuel numeric,
  calculated_salary numeric,
  fines numeric,
  maintenance numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  day_mask int,
  driven_mask int,
  fine_mask int,
  zero_km_cost numeric,
  zero_km_fuel numeric
);
create index expenses_cache_vehicle_driver_month_key on fleet.expenses_cache_vehicle_driver_month (client_id, as_of, xid);
comment on table fleet.expenses_cache_vehicle_driver_month is 'Cached rows of fleet.expenses_by_vehicle_driver_month for (client_id, as_of), valid inside transaction xid only.';

drop table if exists fleet.expenses_cache_month cascade;
create unlogged table fleet.expenses_cache_month (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  month date not null,
  year text not null,
  mm text not null,
  fuel numeric,
  repair numeric,
  insurance numeric,
  fines numeric,
  maintenance numeric,
  tire_service numeric,
  carwash numeric,
  parking numeric,
  flat_roads numeric,
  calculated_salary numeric,
  antifreeze_liquid numeric,
  engine_oil numeric,
  brake_fluid numeric,
  spark_plugs numeric,
  fuel_filters numeric,
  filters numeric,
  timing_belts numeric,
  brake_pads numeric,
  other_cost numeric,
  rental_expense numeric,
  amortization numeric,
  transport_tax numeric,
  casco numeric,
  fire_extinguishers numeric,
  first_aid_kits numeric,
  hydraulic_oil numeric,
  special_lubricants numeric,
  customs_fees numeric,
  cargo_insurance numeric,
  transloading_fees numeric,
  temp_control_maintenance numeric,
  sterilization_costs numeric,
  pharma_licenses numeric,
  bucket_parts numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint
);
create index expenses_cache_month_key on fleet.expenses_cache_month (client_id, as_of, xid);
comment on table fleet.expenses_cache_month is 'Cached rows of fleet.expenses_by_month for (client_id, as_of), valid inside transaction xid only.';

drop table if exists fleet.expenses_cache_vehicle_month cascade;
create unlogged table fleet.expenses_cache_vehicle_month (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  gov_number text not null,
  month date not null,
  year text not null,
  mm text not null,
  fuel numeric,
  calculated_salary numeric,
  fines numeric,
  maintenance numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  vehicle_days int,
  driven_days int,
  zero_km_days int,
  zero_km_cost numeric,
  zero_km_fuel numeric
);
create index expenses_cache_vehicle_month_key on fleet.expenses_cache_vehicle_month (client_id, as_of, xid);
comment on table fleet.expenses_cache_vehicle_month is 'Cached rows of fleet.expenses_by_vehicle_month for (client_id, as_of), valid inside transaction xid only.';

drop table if exists fleet.expenses_cache_driver_month cascade;
create unlogged table fleet.expenses_cache_driver_month (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  driver text not null,
  month date not null,
  year text not null,
  mm text not null,
  calculated_salary numeric,
  fines numeric,
  daily_distance numeric,
  fuel numeric,
  total_cost numeric,
  expense_rows bigint,
  driver_days int,
  fine_days int
);
create index expenses_cache_driver_month_key on fleet.expenses_cache_driver_month (client_id, as_of, xid);
comment on table fleet.expenses_cache_driver_month is 'Cached rows of fleet.expenses_by_driver_month for (client_id, as_of), valid inside transaction xid only.';

-- The current transaction's id if it has one. plpgsql (never inlined) and parallel restricted so a
-- query using it can still run its scans in parallel workers (pg_current_xact_id_if_assigned is
-- parallel unsafe, which would forbid parallel plans for the whole query).
create or replace function fleet.expenses_cache_xid()
returns xid8
language plpgsql stable parallel restricted
as $$
begin
  return pg_current_xact_id_if_assigned();
end;
$$;
comment on function fleet.expenses_cache_xid() is 'pg_current_xact_id_if_assigned() behind a parallel-restricted wrapper: the key of the per-transaction intermediates cache.';

drop function if exists fleet.expenses_cache_valid(text, date);
create or replace function fleet.expenses_cache_valid(client_id text, as_of date, intermediate text)
returns boolean
language plpgsql stable parallel restricted
as $$
begin
  return exists (
    select 1 from fleet.expenses_cache k
    where k.client_id = $1 and k.as_of = $2 and k.intermediate = $3
      and k.xid = pg_current_xact_id_if_assigned()
  );
end;
$$;
comment on function fleet.expenses_cache_valid(text, date, text) is 'True when this transaction cached the intermediate (vehicle_driver_month | month | vehicle_month | driver_month) of (client_id, as_of).';

-- The two facts read from fleet.expenses, by RETURN QUERY: unlike INSERT … SELECT (never
-- parallel), RETURN QUERY may scan and aggregate with parallel workers.
drop function if exists fleet.expenses_cache_compute_vehicle_driver_month(text, date);
create or replace function fleet.expenses_cache_compute_vehicle_driver_month(client_id text, as_of date, xid xid8)
returns setof fleet.expenses_cache_vehicle_driver_month
language plpgsql stable
set jit = off
set work_mem = '128MB'
as $$
begin
  return query
  select $1, $2, $3, v.*
  from fleet.expenses_vehicle_driver_month_from_rows($1, $2) v;
end;
$$;
comment on function fleet.expenses_cache_compute_vehicle_driver_month(text, date, xid8) is 'Rows for fleet.expenses_cache_vehicle_driver_month, computed from fleet.expenses (in parallel where possible).';

create or replace function fleet.expenses_cache_compute_month(client_id text, as_of date, xid xid8)
returns setof fleet.expenses_cache_month
language plpgsql stable
set jit = off
set work_mem = '64MB'
as $$
begin
  return query
  select $1, $2, $3, m.*
  from fleet.expenses_month_from_rows($1, $2) m;
end;
$$;
comment on function fleet.expenses_cache_compute_month(text, date, xid8) is 'Rows for fleet.expenses_cache_month, computed from fleet.expenses (in parallel where possible).';

-- Refresh: compute the intermediates from fleet.expenses once and keep them for this transaction.
-- Call it first in the transaction that runs a client's analyses (the analyze runner); every
-- fleet.analysis_* called afterwards in the same transaction reads the cache.
create or replace function fleet.expenses_cache_refresh(client_id text, as_of date)
returns void
language plpgsql volatile
set jit = off
set work_mem = '64MB'
as $$
declare
  v_xid xid8 := pg_current_xact_id();
begin
  -- This transaction's own earlier copy first (so the intermediates below read fleet.expenses).
  delete from fleet.expenses_cache k where k.client_id = $1 and k.xid = v_xid;
  delete from fleet.expenses_cache_vehicle_driver_month c where c.client_id = $1 and c.xid = v_xid;
  delete from fleet.expenses_cache_month c where c.client_id = $1 and c.xid = v_xid;
  delete from fleet.expenses_cache_vehicle_month c where c.client_id = $1 and c.xid = v_xid;
  delete from fleet.expenses_cache_driver_month c where c.client_id = $1 and c.xid = v_xid;
  -- Copies of earlier transactions are garbage; drop them unless a concurrent run is doing so.
  begin
    delete from fleet.expenses_cache k where k.client_id = $1;
    delete from fleet.expenses_cache_vehicle_driver_month c where c.client_id = $1;
    delete from fleet.expenses_cache_month c where c.client_id = $1;
    delete from fleet.expenses_cache_vehicle_month c where c.client_id = $1;
    delete from fleet.expenses_cache_driver_month c where c.client_id = $1;
  exception when serialization_failure or lock_not_available then
    null;
  end;
  insert into fleet.expenses_cache_month
  select * from fleet.expenses_cache_compute_month($1, $2, v_xid);
  insert into fleet.expenses_cache_vehicle_driver_month
  select * from fleet.expenses_cache_compute_vehicle_driver_month($1, $2, v_xid);
  insert into fleet.expenses_cache (client_id, as_of, xid, intermediate)
  values ($1, $2, v_xid, 'month'), ($1, $2, v_xid, 'vehicle_driver_month');
  -- The roll-ups now read the cached vehicle-driver-months.
  insert into fleet.expenses_cache_vehicle_month
  select $1, $2, v_xid, m.* from fleet.expenses_by_vehicle_month($1, $2) m;
  insert into fleet.expenses_cache_driver_month
  select $1, $2, v_xid, m.* from fleet.expenses_by_driver_month($1, $2) m;
  insert into fleet.expenses_cache (client_id, as_of, xid, intermediate)
  values ($1, $2, v_xid, 'vehicle_month'), ($1, $2, v_xid, 'driver_month');
end;
$$;
comment on function fleet.expenses_cache_refresh(text, date) is 'Compute the shared intermediates of (client_id, as_of) once and cache them for the current transaction; analyses called later in it read the cache.';
--! EndIncluded expenses_cache.sql
--! Included expenses_by_vehicle_driver_month.sql
-- fleet.expenses_by_vehicle_driver_month: one row per vehicle, driver (including '' = unknown) and
-- month of a client's expenses up to as_of — fuel, salary, fines, maintenance, km, litres, total,
-- rows. The fine-grained shared fact: fleet.expenses_by_vehicle_month and
-- fleet.expenses_by_driver_month are sums of its rows (money per category per month is
-- fleet.expenses_by_month's, read from fleet.expenses separately: 34 sums at this grain would cost
-- far more memory and time than at month grain).
-- Day-level facts survive the aggregation as bit masks of the days of the month (bit d-1 = day d):
-- day_mask (days with a row), driven_mask (days with daily_distance > 0), fine_mask (days with
-- fines > 0). OR-ing masks across rows gives exact distinct day counts (vehicle-days, driven days,
-- days with fines) without a per-day intermediate. zero_km_cost / zero_km_fuel are the sums over
-- rows with daily_distance = 0 (exact per vehicle-day unless a vehicle-day has several drivers'
-- rows; fleet.expenses_by_vehicle_month handles that case).
-- fleet.expenses_vehicle_driver_month_from_rows computes it from fleet.expenses (the one
-- definition); fleet.expenses_by_vehicle_driver_month returns the per-transaction cached copy when
-- fleet.expenses_cache_refresh made one in this transaction (first branch), else computes it
-- (second branch); the branch not taken is cut by a one-time filter and never scans.
drop function if exists fleet.expenses_vehicle_driver_month_from_rows(text, date);
create function fleet.expenses_vehicle_driver_month_from_rows(client_id text, as_of date)
returns table (
  gov_number text,
  driver text,
  month date,
  fuel numeric,
  calculated_salary numeric,
  fines numeric,
  maintenance numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  day_mask int,
  driven_mask int,
  fine_mask int,
  zero_km_cost numeric,
  zero_km_fuel numeric
)
language sql stable parallel safe
as $$
  select
    e.gov_number,
    e.driver,
    e.month,
    sum(e.fuel) as fuel,
    sum(e.calculated_salary) as calculated_salary,
    sum(e.fines) as fines,
    sum(e.maintenance) as maintenance,
    sum(e.daily_distance) as daily_distance,
    sum(e.fuel_liters) as fuel_liters,
    sum(e.total_cost) as total_cost,
    count(*) as expense_rows,
    bit_or(e.day_bit) as day_mask,
    coalesce(bit_or(e.day_bit) filter (where e.daily_distance > 0), 0) as driven_mask,
    coalesce(bit_or(e.day_bit) filter (where e.fines > 0), 0) as fine_mask,
    coalesce(sum(e.total_cost) filter (where e.daily_distance = 0), 0) as zero_km_cost,
    coalesce(sum(e.fuel) filter (where e.daily_distance = 0), 0) as zero_km_fuel
  from (
    -- byte-order keys ("C"): grouping needs equality only, and memcmp sorts/hashes far faster
    select x.gov_number collate "C" as gov_number, x.driver collate "C" as driver, m.month,
      1 << (x.date - m.month) as day_bit,
      x.fuel, x.calculated_salary, x.fines, x.maintenance, x.daily_distance, x.fuel_liters, x.total_cost
    from fleet.expenses x
    -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
    cross join lateral (select date_trunc('month', x.date::timestamp)::date as month) m
    where x.client_id = $1 and x.date <= $2
  ) e
  group by e.gov_number, e.driver, e.month
$$;
comment on function fleet.expenses_vehicle_driver_month_from_rows(text, date) is 'fleet.expenses_by_vehicle_driver_month computed from fleet.expenses (no cache).';

drop function if exists fleet.expenses_by_vehicle_driver_month(text, date);
create function fleet.expenses_by_vehicle_driver_month(client_id text, as_of date)
returns table (
  gov_number text,
  driver text,
  month date,
  fuel numeric,
  calculated_salary numeric,
  fines numeric,
  maintenance numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  day_mask int,
  driven_mask int,
  fine_mask int,
  zero_km_cost numeric,
  zero_km_fuel numeric
)
language sql stable parallel restricted
as $$
  select
    c.gov_number,
    c.driver,
    c.month,
    c.fuel,
    c.calculated_salary,
    c.fines,
    c.maintenance,
    c.daily_distance,
    c.fuel_liters,
    c.total_cost,
    c.expense_rows,
    c.day_mask,
    c.driven_mask,
    c.fine_mask,
    c.zero_km_cost,
    c.zero_km_fuel
  from fleet.expenses_cache_vehicle_driver_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select v.*
  from fleet.expenses_vehicle_driver_month_from_rows($1, $2) v
  where not fleet.expenses_cache_valid($1, $2, 'vehicle_driver_month')
$$;
comment on function fleet.expenses_by_vehicle_driver_month(text, date) is 'Shared intermediate: one row per vehicle, driver and month up to as_of — fuel, salary, fines, maintenance, km, litres, total, rows, day bit masks (days present, driven, with fines) and zero-km row sums. Cached per transaction by fleet.expenses_cache_refresh.';

-- Number of days in a day bit mask (bit d-1 = day d of the month).
create or replace function fleet.day_count(mask int)
returns int
language sql immutable parallel safe
as $$
  select coalesce(bit_count($1::bit(32))::int, 0)
$$;
comment on function fleet.day_count(int) is 'Number of set bits of a day mask of fleet.expenses_by_vehicle_driver_month (days of the month).';
--! EndIncluded expenses_by_vehicle_driver_month.sql
--! Included expenses_by_month.sql
-- fleet.expenses_by_month: one row per month of a client's expenses up to as_of, with the sum of
-- every money category, kilometres, litres, total and the number of rows. The shared monthly fact;
-- analyses that treat categories generically read it unpivoted (fleet.expenses_by_month_category).
-- Vehicle-days need day-level distinctness: see fleet.expenses_by_vehicle_month.
-- fleet.expenses_month_from_rows computes it from fleet.expenses (the one definition);
-- fleet.expenses_by_month returns the per-transaction cached copy when fleet.expenses_cache_refresh
-- made one in this transaction (first branch), else computes it (second branch); the branch not
-- taken is cut by a one-time filter. Both inline into the calling query (plain SQL, stable), so
-- client_id and as_of reach the index scan.
drop function if exists fleet.expenses_month_from_rows(text, date);
create function fleet.expenses_month_from_rows(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
  fuel numeric,
  repair numeric,
  insurance numeric,
  fines numeric,
  maintenance numeric,
  tire_service numeric,
  carwash numeric,
  parking numeric,
  flat_roads numeric,
  calculated_salary numeric,
  antifreeze_liquid numeric,
  engine_oil numeric,
  brake_fluid numeric,
  spark_plugs numeric,
  fuel_filters numeric,
  filters numeric,
  timing_belts numeric,
  brake_pads numeric,
  other_cost numeric,
  rental_expense numeric,
  amortization numeric,
  transport_tax numeric,
  casco numeric,
  fire_extinguishers numeric,
  first_aid_kits numeric,
  hydraulic_oil numeric,
  special_lubricants numeric,
  customs_fees numeric,
  cargo_insurance numeric,
  transloading_fees numeric,
  temp_control_maintenance numeric,
  sterilization_costs numeric,
  pharma_licenses numeric,
  bucket_parts numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint
)
language sql stable parallel safe
as $$
  select
    e.month,
    to_char(e.month, 'YYYY') as year,
    to_char(e.month, 'MM') as mm,
    sum(e.fuel) as fuel,
    sum(e.repair) as repair,
    sum(e.insurance) as insurance,
    sum(e.fines) as fines,
    sum(e.maintenance) as maintenance,
    sum(e.tire_service) as tire_service,
    sum(e.carwash) as carwash,
    sum(e.parking) as parking,
    sum(e.flat_roads) as flat_roads,
    sum(e.calculated_salary) as calculated_salary,
    sum(e.antifreeze_liquid) as antifreeze_liquid,
    sum(e.engine_oil) as engine_oil,
    sum(e.brake_fluid) as brake_fluid,
    sum(e.spark_plugs) as spark_plugs,
    sum(e.fuel_filters) as fuel_filters,
    sum(e.filters) as filters,
    sum(e.timing_belts) as timing_belts,
    sum(e.brake_pads) as brake_pads,
    sum(e.other_cost) as other_cost,
    sum(e.rental_expense) as rental_expense,
    sum(e.amortization) as amortization,
    sum(e.transport_tax) as transport_tax,
    sum(e.casco) as casco,
    sum(e.fire_extinguishers) as fire_extinguishers,
    sum(e.first_aid_kits) as first_aid_kits,
    sum(e.hydraulic_oil) as hydraulic_oil,
    sum(e.special_lubricants) as special_lubricants,
    sum(e.customs_fees) as customs_fees,
    sum(e.cargo_insurance) as cargo_insurance,
    sum(e.transloading_fees) as transloading_fees,
    sum(e.temp_control_maintenance) as temp_control_maintenance,
    sum(e.sterilization_costs) as sterilization_costs,
    sum(e.pharma_licenses) as pharma_licenses,
    sum(e.bucket_parts) as bucket_parts,
    sum(e.daily_distance) as daily_distance,
    sum(e.fuel_liters) as fuel_liters,
    sum(e.total_cost) as total_cost,
    count(*) as expense_rows
  from (
    -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
    select date_trunc('month', x.date::timestamp)::date as month, x.*
    from fleet.expenses x
    where x.client_id = $1 and x.date <= $2
  ) e
  group by e.month
$$;
comment on function fleet.expenses_month_from_rows(text, date) is 'fleet.expenses_by_month computed from fleet.expenses (no cache).';

drop function if exists fleet.expenses_by_month(text, date);
create function fleet.expenses_by_month(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
  fuel numeric,
  repair numeric,
  insurance numeric,
  fines numeric,
  maintenance numeric,
  tire_service numeric,
  carwash numeric,
  parking numeric,
  flat_roads numeric,
  calculated_salary numeric,
  antifreeze_liquid numeric,
  engine_oil numeric,
  brake_fluid numeric,
  spark_plugs numeric,
  fuel_filters numeric,
  filters numeric,
  timing_belts numeric,
  brake_pads numeric,
  other_cost numeric,
  rental_expense numeric,
  amortization numeric,
  transport_tax numeric,
  casco numeric,
  fire_extinguishers numeric,
  first_aid_kits numeric,
  hydraulic_oil numeric,
  special_lubricants numeric,
  customs_fees numeric,
  cargo_insurance numeric,
  transloading_fees numeric,
  temp_control_maintenance numeric,
  sterilization_costs numeric,
  pharma_licenses numeric,
  bucket_parts numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint
)
language sql stable parallel restricted
as $$
  select
    c.month,
    c.year,
    c.mm,
    c.fuel,
    c.repair,
    c.insurance,
    c.fines,
    c.maintenance,
    c.tire_service,
    c.carwash,
    c.parking,
    c.flat_roads,
    c.calculated_salary,
    c.antifreeze_liquid,
    c.engine_oil,
    c.brake_fluid,
    c.spark_plugs,
    c.fuel_filters,
    c.filters,
    c.timing_belts,
    c.brake_pads,
    c.other_cost,
    c.rental_expense,
    c.amortization,
    c.transport_tax,
    c.casco,
    c.fire_extinguishers,
    c.first_aid_kits,
    c.hydraulic_oil,
    c.special_lubricants,
    c.customs_fees,
    c.cargo_insurance,
    c.transloading_fees,
    c.temp_control_maintenance,
    c.sterilization_costs,
    c.pharma_licenses,
    c.bucket_parts,
    c.daily_distance,
    c.fuel_liters,
    c.total_cost,
    c.expense_rows
  from fleet.expenses_cache_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select m.*
  from fleet.expenses_month_from_rows($1, $2) m
  where not fleet.expenses_cache_valid($1, $2, 'month')
$$;
comment on function fleet.expenses_by_month(text, date) is 'Shared intermediate: one row per month of the client''s expenses up to as_of — every money category summed, km, litres, total, rows. Cached per transaction by fleet.expenses_cache_refresh.';
--! EndIncluded expenses_by_month.sql
--! Included expenses_by_month_category.sql
-- fleet.expenses_by_month_category: fleet.expenses_by_month unpivoted — one row per month and money
-- category (fleet.expense_categories) with the month's sum, the category's sort order and whether
-- it counts as repair. For the analyses that treat categories generically (expenses_data,
-- expenses_with_market_avg, aggregated_expenses_by_month_year, repair_expenses_by_month_year), so
-- the category list lives here and in the expenses columns only. Grain: month × category.
drop function if exists fleet.expenses_by_month_category(text, date);
create function fleet.expenses_by_month_category(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
  category text,
  sort_order int,
  counts_as_repair boolean,
  amount numeric
)
language sql stable parallel restricted
as $$
  select m.month, m.year, m.mm, ec.category, ec.sort_order, ec.counts_as_repair, u.amount
  from fleet.expenses_by_month($1, $2) m
  cross join lateral (values
      ('fuel', m.fuel),
      ('repair', m.repair),
      ('insurance', m.insurance),
      ('fines', m.fines),
      ('maintenance', m.maintenance),
      ('tire_service', m.tire_service),
      ('carwash', m.carwash),
      ('parking', m.parking),
      ('flat_roads', m.flat_roads),
      ('calculated_salary', m.calculated_salary),
      ('antifreeze_liquid', m.antifreeze_liquid),
      ('engine_oil', m.engine_oil),
      ('brake_fluid', m.brake_fluid),
      ('spark_plugs', m.spark_plugs),
      ('fuel_filters', m.fuel_filters),
      ('filters', m.filters),
      ('timing_belts', m.timing_belts),
      ('brake_pads', m.brake_pads),
      ('other_cost', m.other_cost),
      ('rental_expense', m.rental_expense),
      ('amortization', m.amortization),
      ('transport_tax', m.transport_tax),
      ('casco', m.casco),
      ('fire_extinguishers', m.fire_extinguishers),
      ('first_aid_kits', m.first_aid_kits),
      ('hydraulic_oil', m.hydraulic_oil),
      ('special_lubricants', m.special_lubricants),
      ('customs_fees', m.customs_fees),
      ('cargo_insurance', m.cargo_insurance),
      ('transloading_fees', m.transloading_fees),
      ('temp_control_maintenance', m.temp_control_maintenance),
      ('sterilization_costs', m.sterilization_costs),
      ('pharma_licenses', m.pharma_licenses),
      ('bucket_parts', m.bucket_parts)
  ) u (category, amount)
  join fleet.expense_categories ec on ec.category = u.category
$$;
comment on function fleet.expenses_by_month_category(text, date) is 'Shared intermediate: fleet.expenses_by_month unpivoted to one row per month and money category (sum, sort order, counts_as_repair).';
--! EndIncluded expenses_by_month_category.sql
--! Included expenses_by_vehicle_month.sql
-- fleet.expenses_by_vehicle_month: one row per vehicle (gov_number) and month of a client's expenses
-- up to as_of — fuel, salary, fines, maintenance, km, litres, total, and the vehicle-day facts:
-- vehicle_days (distinct days with a row), driven_days (days with km > 0), and downtime — the
-- vehicle-days with no kilometres (zero_km_days) and the total cost / fuel rubles of those days.
-- A vehicle-day is zero-km when none of its rows (one per driver) has kilometres.
-- A roll-up of fleet.expenses_by_vehicle_driver_month. Its row-level zero-km sums are exact per
-- vehicle-day except where one vehicle-day has several drivers' rows (more driver-days than
-- vehicle-days in the month); those (rare) vehicle-months are recomputed per vehicle-day from
-- fleet.expenses through the primary key. Cached per transaction by fleet.expenses_cache_refresh
-- (first branch); otherwise computed (second branch), the branch not taken cut by a one-time filter.
drop function if exists fleet.expenses_by_vehicle_month(text, date);
create function fleet.expenses_by_vehicle_month(client_id text, as_of date)
returns table (
  gov_number text,
  month date,
  year text,
  mm text,
  fuel numeric,
  calculated_salary numeric,
  fines numeric,
  maintenance numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  vehicle_days int,
  driven_days int,
  zero_km_days int,
  zero_km_cost numeric,
  zero_km_fuel numeric
)
language sql stable parallel restricted
as $$
  with vehicle_month as (
    select
      v.gov_number,
      v.month,
      sum(v.fuel) as fuel,
      sum(v.calculated_salary) as calculated_salary,
      sum(v.fines) as fines,
      sum(v.maintenance) as maintenance,
      sum(v.daily_distance) as daily_distance,
      sum(v.fuel_liters) as fuel_liters,
      sum(v.total_cost) as total_cost,
      sum(v.expense_rows)::bigint as expense_rows,
      bit_or(v.day_mask) as day_mask,
      bit_or(v.driven_mask) as driven_mask,
      sum(fleet.day_count(v.day_mask)) as driver_days,
      sum(v.zero_km_cost) as zero_km_cost,
      sum(v.zero_km_fuel) as zero_km_fuel
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    where not fleet.expenses_cache_valid($1, $2, 'vehicle_month')
    group by v.gov_number, v.month
  )
  select
    c.gov_number,
    c.month,
    c.year,
    c.mm,
    c.fuel,
    c.calculated_salary,
    c.fines,
    c.maintenance,
    c.daily_distance,
    c.fuel_liters,
    c.total_cost,
    c.expense_rows,
    c.vehicle_days,
    c.driven_days,
    c.zero_km_days,
    c.zero_km_cost,
    c.zero_km_fuel
  from fleet.expenses_cache_vehicle_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select
    vm.gov_number,
    vm.month,
    to_char(vm.month, 'YYYY') as year,
    to_char(vm.month, 'MM') as mm,
    vm.fuel,
    vm.calculated_salary,
    vm.fines,
    vm.maintenance,
    vm.daily_distance,
    vm.fuel_liters,
    vm.total_cost,
    vm.expense_rows,
    fleet.day_count(vm.day_mask) as vehicle_days,
    fleet.day_count(vm.driven_mask) as driven_days,
    fleet.day_count(vm.day_mask & ~vm.driven_mask) as zero_km_days,
    coalesce(shared_days.zero_km_cost, vm.zero_km_cost) as zero_km_cost,
    coalesce(shared_days.zero_km_fuel, vm.zero_km_fuel) as zero_km_fuel
  from vehicle_month vm
  left join lateral (
    -- only for vehicle-months where some day has rows of several drivers (one-time filter)
    select coalesce(sum(d.total_cost), 0) as zero_km_cost, coalesce(sum(d.fuel), 0) as zero_km_fuel
    from (
      select sum(e.total_cost) as total_cost, sum(e.fuel) as fuel
      from fleet.expenses e
      where vm.driver_days > fleet.day_count(vm.day_mask)
        and e.client_id = $1 and e.gov_number = vm.gov_number
        and e.date >= vm.month and e.date < (vm.month + interval '1 month')::date and e.date <= $2
      group by e.date
      having sum(e.daily_distance) = 0
    ) d
    having vm.driver_days > fleet.day_count(vm.day_mask)
  ) shared_days on true
$$;
comment on function fleet.expenses_by_vehicle_month(text, date) is 'Shared intermediate: one row per vehicle and month up to as_of — fuel, salary, fines, maintenance, km, litres, total, vehicle-days, driven days, zero-km days and their cost and fuel. Cached per transaction by fleet.expenses_cache_refresh.';
--! EndIncluded expenses_by_vehicle_month.sql
--! Included expenses_by_driver_month.sql
-- fleet.expenses_by_driver_month: one row per driver (non-empty name) and month of a client's
-- expenses up to as_of — salary, fines, km, fuel, total, driver_days (distinct days with a row on
-- any vehicle) and fine_days (distinct days with a fine on any vehicle). Rows without a driver
-- ('') belong to no driver and are left out. A roll-up of fleet.expenses_by_vehicle_driver_month;
-- cached per transaction by fleet.expenses_cache_refresh (first branch), otherwise computed (second
-- branch), the branch not taken cut by a one-time filter.
drop function if exists fleet.expenses_by_driver_month(text, date);
create function fleet.expenses_by_driver_month(client_id text, as_of date)
returns table (
  driver text,
  month date,
  year text,
  mm text,
  calculated_salary numeric,
  fines numeric,
  daily_distance numeric,
  fuel numeric,
  total_cost numeric,
  expense_rows bigint,
  driver_days int,
  fine_days int
)
language sql stable parallel restricted
as $$
  select
    c.driver,
    c.month,
    c.year,
    c.mm,
    c.calculated_salary,
    c.fines,
    c.daily_distance,
    c.fuel,
    c.total_cost,
    c.expense_rows,
    c.driver_days,
    c.fine_days
  from fleet.expenses_cache_driver_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select
    v.driver,
    v.month,
    to_char(v.month, 'YYYY') as year,
    to_char(v.month, 'MM') as mm,
    sum(v.calculated_salary) as calculated_salary,
    sum(v.fines) as fines,
    sum(v.daily_distance) as daily_distance,
    sum(v.fuel) as fuel,
    sum(v.total_cost) as total_cost,
    sum(v.expense_rows)::bigint as expense_rows,
    fleet.day_count(bit_or(v.day_mask)) as driver_days,
    fleet.day_count(bit_or(v.fine_mask)) as fine_days
  from fleet.expenses_by_vehicle_driver_month($1, $2) v
  where v.driver <> '' and not fleet.expenses_cache_valid($1, $2, 'driver_month')
  group by v.driver, v.month
$$;
comment on function fleet.expenses_by_driver_month(text, date) is 'Shared intermediate: one row per non-empty driver and month up to as_of — salary, fines, km, fuel, total, days worked, days with fines. Cached per transaction by fleet.expenses_cache_refresh.';
--! EndIncluded expenses_by_driver_month.sql
--! Included analysis_high_salary_data.sql
-- high_salary_data (ANALYSES.md #1): drivers paid abnormally much in a month. A driver is flagged
-- in month m when their salary that month is above the Tukey "far out" fence Q3 + 3·IQR of the
-- month salaries of the drivers paid more than 0 in m (quartiles by linear interpolation,
-- percentile_cont, over the drivers who have pay that month only). "median" is the driver's median
-- monthly salary over their months with pay > 0. Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), {} when nobody is flagged; flagged drivers by salary desc, then name.
create or replace function fleet.analysis_high_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select m.month, m.year || '-' || m.mm as year_month
    from fleet.expenses_by_month($1, $2) m
  ),
  paid_driver_months as (
    select d.driver, d.month, d.calculated_salary as salary
    from fleet.expenses_by_driver_month($1, $2) d
    where d.calculated_salary > 0
  ),
  fences as (
    select
      p.month,
      percentile_cont(0.75) within group (order by p.salary)
        + 3 * (percentile_cont(0.75) within group (order by p.salary) - percentile_cont(0.25) within group (order by p.salary)) as fence
    from paid_driver_months p
    group by p.month
  ),
  driver_medians as (
    select p.driver, percentile_cont(0.5) within group (order by p.salary) as median
    from paid_driver_months p
    group by p.driver
  ),
  flagged as (
    select
      p.month,
      json_object_agg(
        p.driver,
        json_build_object('median', round(dm.median::numeric, 2), 'value', round(p.salary, 2))
        order by p.salary desc, p.driver collate "C"
      ) as drivers
    from paid_driver_months p
    join fences f using (month)
    join driver_medians dm using (driver)
    where p.salary::float8 > f.fence
    group by p.month
  )
  select coalesce(
    json_object_agg(m.year_month, coalesce(f.drivers, '{}'::json) order by m.month),
    '{}'::json
  )
  from months m
  left join flagged f using (month)
$$;
comment on function fleet.analysis_high_salary_data(text, date) is 'high_salary_data: per month the drivers whose salary exceeds Q3 + 3·IQR of that month''s paid drivers, with their median monthly salary.';
--! EndIncluded analysis_high_salary_data.sql
--! Included analysis_expenses_data.sql
-- expenses_data (ANALYSES.md #2): per year, all spending, its ratio to the annual plan (null without
-- a budget or with a budget of 0), and each money category's share of the year's spending
-- (categories with non-zero spend, by spend desc then category order; shares sum to 1).
-- Grain: one key per calendar year with expense rows up to as_of.
create or replace function fleet.analysis_expenses_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with budget as (
    select nullif(c.year_budget, 0) as year_budget
    from fleet.clients c
    where c.client_id = $1
  ),
  category_year as (
    select mc.year, mc.category, mc.sort_order, sum(mc.amount) as amount
    from fleet.expenses_by_month_category($1, $2) mc
    group by mc.year, mc.category, mc.sort_order
  ),
  years as (
    select cy.year, sum(cy.amount) as all_expenses
    from category_year cy
    group by cy.year
  ),
  structure as (
    select
      cy.year,
      json_object_agg(cy.category, (cy.amount / y.all_expenses)::float8 order by cy.amount desc, cy.sort_order) as expenses_structure
    from category_year cy
    join years y using (year)
    where cy.amount <> 0 and y.all_expenses <> 0
    group by cy.year
  )
  select coalesce(
    json_object_agg(
      y.year,
      json_build_object(
        'all_expenses', round(y.all_expenses, 2),
        'expenses_related_plan', (y.all_expenses / (select b.year_budget from budget b))::float8,
        'expenses_structure', coalesce(s.expenses_structure, '{}'::json)
      )
      order by y.year
    ),
    '{}'::json
  )
  from years y
  left join structure s using (year)
$$;
comment on function fleet.analysis_expenses_data(text, date) is 'expenses_data: per year all_expenses, expenses_related_plan (null without a budget) and expenses_structure (category shares, desc).';
--! EndIncluded analysis_expenses_data.sql
--! Included analysis_expenses_with_market_avg.sql
-- expenses_with_market_avg (ANALYSES.md #3): the client against its industry's market, per year.
-- all_expenses = the year's spending; expenses_related_average_market = the client's average total
-- cost per vehicle-day that year ÷ the market's average total per vehicle-day (the sum of the
-- market's money categories); expenses_structure = per category with non-zero spend that year, the
-- client's rubles per vehicle-day ÷ the market's (null where the market figure is 0 or missing),
-- ordered like expenses_data (spend desc, then category order). Vehicle-days = distinct
-- (gov_number, date) with a row. Grain: one key per calendar year with expense rows up to as_of.
-- (The old code divided shares by absolute rubles and a yearly total by a daily one.)
create or replace function fleet.analysis_expenses_with_market_avg(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with vehicle_days as (
    select vm.year, sum(vm.vehicle_days) as vehicle_days
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.year
  ),
  market as (
    select ec.category, ma.avg_per_vehicle_day_rub as per_vehicle_day
    from fleet.clients c
    join fleet.market_averages ma on ma.industry = c.industry
    join fleet.expense_categories ec on ec.category = ma.category
    where c.client_id = $1
  ),
  market_total as (
    select sum(mk.per_vehicle_day) as per_vehicle_day
    from market mk
  ),
  category_year as (
    select mc.year, mc.category, mc.sort_order, sum(mc.amount) as amount
    from fleet.expenses_by_month_category($1, $2) mc
    group by mc.year, mc.category, mc.sort_order
  ),
  years as (
    select cy.year, sum(cy.amount) as all_expenses, vd.vehicle_days
    from category_year cy
    join vehicle_days vd using (year)
    group by cy.year, vd.vehicle_days
  ),
  structure as (
    select
      cy.year,
      json_object_agg(
        cy.category,
        (cy.amount / nullif(y.vehicle_days, 0) / nullif(mk.per_vehicle_day, 0))::float8
        order by cy.amount desc, cy.sort_order
      ) as expenses_structure
    from category_year cy
    join years y using (year)
    left join market mk using (category)
    where cy.amount <> 0
    group by cy.year
  )
  select coalesce(
    json_object_agg(
      y.year,
      json_build_object(
        'all_expenses', round(y.all_expenses, 2),
        'expenses_related_average_market',
          (y.all_expenses / nullif(y.vehicle_days, 0) / nullif((select mt.per_vehicle_day from market_total mt), 0))::float8,
        'expenses_structure', coalesce(s.expenses_structure, '{}'::json)
      )
      order by y.year
    ),
    '{}'::json
  )
  from years y
  left join structure s using (year)
$$;
comment on function fleet.analysis_expenses_with_market_avg(text, date) is 'expenses_with_market_avg: per year all_expenses and the client''s rubles per vehicle-day against the industry market, in total and per category (null where the market has no figure).';
--! EndIncluded analysis_expenses_with_market_avg.sql
--! Included analysis_fuel_effectiveness.sql
-- fuel_effectiveness (ANALYSES.md #4): kilometres per ruble of fuel, per vehicle per month (null
-- when the vehicle bought no fuel that month). Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), every vehicle with rows that month, by gov_number.
create or replace function fleet.analysis_fuel_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      vm.month,
      vm.year || '-' || vm.mm as year_month,
      json_object_agg(
        vm.gov_number,
        (vm.daily_distance / nullif(vm.fuel, 0))::float8
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.month, vm.year, vm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.vehicles order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_fuel_effectiveness(text, date) is 'fuel_effectiveness: per month and vehicle, km per ruble of fuel (null without fuel spend).';
--! EndIncluded analysis_fuel_effectiveness.sql
--! Included analysis_salary_effectiveness.sql
-- salary_effectiveness (ANALYSES.md #5): kilometres per ruble of salary, per driver per month (null
-- when the driver was paid nothing that month). Grain: one key per month with driver rows up to
-- as_of ("YYYY-MM"), every (non-empty) driver with rows that month, by name.
create or replace function fleet.analysis_salary_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.month,
      dm.year || '-' || dm.mm as year_month,
      json_object_agg(
        dm.driver,
        (dm.daily_distance / nullif(dm.calculated_salary, 0))::float8
        order by dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month, dm.year, dm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_salary_effectiveness(text, date) is 'salary_effectiveness: per month and driver, km per ruble of salary (null without salary).';
--! EndIncluded analysis_salary_effectiveness.sql
--! Included analysis_month_drivers_fine.sql
-- month_drivers_fine (ANALYSES.md #6): fines per driver per month, only drivers with a non-zero sum,
-- ordered by sum desc (then name). Grain: one key per month in which some driver has fines
-- ("YYYY-MM"); months without fines are absent.
create or replace function fleet.analysis_month_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.month,
      dm.year || '-' || dm.mm as year_month,
      json_object_agg(dm.driver, round(dm.fines, 2) order by dm.fines desc, dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month, dm.year, dm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_month_drivers_fine(text, date) is 'month_drivers_fine: per month the drivers with fines and their sum, by sum desc.';
--! EndIncluded analysis_month_drivers_fine.sql
--! Included analysis_year_drivers_fine.sql
-- year_drivers_fine (ANALYSES.md #7): fines per driver per year, every (non-empty) driver with rows
-- that year (0 when no fines), ordered by sum desc (then name). Grain: one key per calendar year
-- with driver rows up to as_of.
create or replace function fleet.analysis_year_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with driver_years as (
    select dm.year, dm.driver, sum(dm.fines) as fines
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.year, dm.driver
  ),
  by_year as (
    select dy.year, json_object_agg(dy.driver, round(dy.fines, 2) order by dy.fines desc, dy.driver collate "C") as drivers
    from driver_years dy
    group by dy.year
  )
  select coalesce(json_object_agg(b.year, b.drivers order by b.year), '{}'::json)
  from by_year b
$$;
comment on function fleet.analysis_year_drivers_fine(text, date) is 'year_drivers_fine: per year every driver''s fines, by sum desc.';
--! EndIncluded analysis_year_drivers_fine.sql
--! Included analysis_salary_data.sql
-- salary_data (ANALYSES.md #10): salary per driver per month, every (non-empty) driver with rows
-- that month, by name. Grain: year → month ("MM") → driver, months with driver rows up to as_of.
create or replace function fleet.analysis_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.year,
      dm.mm,
      json_object_agg(dm.driver, round(dm.calculated_salary, 2) order by dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.year, dm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.drivers order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_salary_data(text, date) is 'salary_data: per year and month every driver''s salary.';
--! EndIncluded analysis_salary_data.sql
--! Included analysis_fuel_km_per_month.sql
-- fuel_km_per_month (ANALYSES.md #11): per year and month, fuel rubles, kilometres and rubles per
-- kilometre (null when no kilometres). Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_fuel_km_per_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select m.year, m.mm, m.fuel, m.daily_distance
    from fleet.expenses_by_month($1, $2) m
  ),
  by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'fuel_in_month', round(m.fuel, 2),
          'distance_in_month', round(m.daily_distance, 2),
          'fuel_effectiveness_in_month', (m.fuel / nullif(m.daily_distance, 0))::float8
        )
        order by m.mm
      ) as months
    from months m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_fuel_km_per_month(text, date) is 'fuel_km_per_month: per month fuel rubles, km and rubles per km (null without km).';
--! EndIncluded analysis_fuel_km_per_month.sql
--! Included analysis_logistic_expenses_by_month.sql
-- logistic_expenses_by_month (ANALYSES.md #12, Логистика only): per year and month the sums of the industry's own
-- categories under the old system's keys: cargo_insurance, temp_control_maintenance, customs_fees, transloading_fees.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_logistic_expenses_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'cargo_insurance', round(m.cargo_insurance, 2),
          'temp_control_maintenance', round(m.temp_control_maintenance, 2),
          'customs_fees', round(m.customs_fees, 2),
          'transloading_fees', round(m.transloading_fees, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_logistic_expenses_by_month(text, date) is 'logistic_expenses_by_month: per month the Логистика-specific categories (logistics).';
--! EndIncluded analysis_logistic_expenses_by_month.sql
--! Included analysis_pharma_expenses_by_month.sql
-- pharma_expenses_by_month (ANALYSES.md #13, Фармацевтика only): per year and month the sums of the industry's own
-- categories under the old system's keys: sterialization_cost (sterilization_costs),
-- pharma_licenses_cost (pharma_licenses), temperature_control_maintance (temp_control_maintenance)
-- — the misspelt keys are the dashboard's contract.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_pharma_expenses_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'sterialization_cost', round(m.sterilization_costs, 2),
          'pharma_licenses_cost', round(m.pharma_licenses, 2),
          'temperature_control_maintance', round(m.temp_control_maintenance, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_pharma_expenses_by_month(text, date) is 'pharma_expenses_by_month: per month the Фармацевтика-specific categories (pharma; the misspelt keys are the contract).';
--! EndIncluded analysis_pharma_expenses_by_month.sql
--! Included analysis_building_expenses_by_month.sql
-- building_expenses_by_month (ANALYSES.md #14, Строительство only): per year and month the sums of the industry's own
-- categories under the old system's keys: bucket_parts, special_lubricants.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_building_expenses_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'bucket_parts', round(m.bucket_parts, 2),
          'special_lubricants', round(m.special_lubricants, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_building_expenses_by_month(text, date) is 'building_expenses_by_month: per month the Строительство-specific categories (construction).';
--! EndIncluded analysis_building_expenses_by_month.sql
--! Included analysis_vehicle_usage_by_month.sql
-- vehicle_usage_by_month (ANALYSES.md #15, Каршеринг only): per year, month and vehicle, the days the
-- vehicle drove (vehicle-days with daily_distance > 0) and the kilometres. Grain: year → month
-- ("MM") → gov_number; only vehicles that drove that month, by gov_number; months without any
-- driving are absent.
create or replace function fleet.analysis_vehicle_usage_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      vm.year,
      vm.mm,
      json_object_agg(
        vm.gov_number,
        json_build_object('days_used', vm.driven_days, 'total_distance', round(vm.daily_distance, 2))
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.driven_days > 0
    group by vm.year, vm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.vehicles order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_usage_by_month(text, date) is 'vehicle_usage_by_month: per month and vehicle, days driven (km > 0) and km.';
--! EndIncluded analysis_vehicle_usage_by_month.sql
--! Included analysis_downtime_find.sql
-- downtime_find (ANALYSES.md #16): per year, month and vehicle, the vehicle-days without kilometres
-- ("count") and the total cost of those days ("sum" — money only; the old code also added
-- kilometres and 0/1 flags into it). A vehicle-day is zero-km when none of its rows has
-- daily_distance > 0. Grain: year → month ("MM") → gov_number; only vehicles with zero-km days,
-- by gov_number; months without downtime are absent.
create or replace function fleet.analysis_downtime_find(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      vm.year,
      vm.mm,
      json_object_agg(
        vm.gov_number,
        json_build_object('sum', round(vm.zero_km_cost, 2), 'count', vm.zero_km_days)
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.zero_km_days > 0
    group by vm.year, vm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.vehicles order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_downtime_find(text, date) is 'downtime_find: per month and vehicle, zero-km vehicle-days and their total cost.';
--! EndIncluded analysis_downtime_find.sql
--! Included analysis_aggregated_expenses_by_month_year.sql
-- aggregated_expenses_by_month_year (ANALYSES.md #17): per year and month, the sum of every money
-- category present in the client's data (a category is present when any row up to as_of has a
-- non-zero amount in it), in category order. Grain: one key per month with expense rows.
create or replace function fleet.analysis_aggregated_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with month_category as (
    select mc.year, mc.mm, mc.category, mc.sort_order, mc.amount
    from fleet.expenses_by_month_category($1, $2) mc
  ),
  present_categories as (
    select mc.category
    from month_category mc
    group by mc.category
    having bool_or(mc.amount <> 0)
  ),
  by_month as (
    select mc.year, mc.mm, json_object_agg(mc.category, round(mc.amount, 2) order by mc.sort_order) as categories
    from month_category mc
    join present_categories pc using (category)
    group by mc.year, mc.mm
  ),
  by_year as (
    select bm.year, json_object_agg(bm.mm, bm.categories order by bm.mm) as months
    from by_month bm
    group by bm.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_aggregated_expenses_by_month_year(text, date) is 'aggregated_expenses_by_month_year: per month the sum of every money category present in the client''s data.';
--! EndIncluded analysis_aggregated_expenses_by_month_year.sql
--! Included analysis_vehicle_efficiency_per_year.sql
-- vehicle_efficiency_per_year (ANALYSES.md #18): per year and vehicle, kilometres per 100 rubles of
-- total cost (null when the vehicle cost nothing that year). Grain: year → gov_number, every
-- vehicle with rows that year, by gov_number.
create or replace function fleet.analysis_vehicle_efficiency_per_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with vehicle_years as (
    select vm.year, vm.gov_number, sum(vm.daily_distance) as km, sum(vm.total_cost) as total_cost
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.year, vm.gov_number
  ),
  by_year as (
    select
      vy.year,
      json_object_agg(vy.gov_number, (vy.km / nullif(vy.total_cost, 0) * 100)::float8 order by vy.gov_number collate "C") as vehicles
    from vehicle_years vy
    group by vy.year
  )
  select coalesce(json_object_agg(y.year, y.vehicles order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_efficiency_per_year(text, date) is 'vehicle_efficiency_per_year: per year and vehicle, km per 100 rubles of total cost.';
--! EndIncluded analysis_vehicle_efficiency_per_year.sql
--! Included analysis_amortization_by_month_year.sql
-- amortization_by_month_year (ANALYSES.md #19): per year and month the amortization sum. Grain: one
-- key per month with expense rows up to as_of.
create or replace function fleet.analysis_amortization_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(m.mm, json_build_object('amortization', round(m.amortization, 2)) order by m.mm) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_amortization_by_month_year(text, date) is 'amortization_by_month_year: per month the amortization sum.';
--! EndIncluded analysis_amortization_by_month_year.sql
--! Included analysis_repair_expenses_by_month_year.sql
-- repair_expenses_by_month_year (ANALYSES.md #20): per year and month the repair spending — "total"
-- over the repair categories (fleet.expense_categories.counts_as_repair) and "structure", each
-- repair category present in the client's data (non-zero in any row up to as_of, as in
-- aggregated_expenses_by_month_year) in category order, {} when none is. Grain: one key per month
-- with expense rows.
create or replace function fleet.analysis_repair_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with repair as (
    select mc.year, mc.mm, mc.category, mc.sort_order, mc.amount
    from fleet.expenses_by_month_category($1, $2) mc
    where mc.counts_as_repair
  ),
  present_categories as (
    select r.category
    from repair r
    group by r.category
    having bool_or(r.amount <> 0)
  ),
  by_month as (
    select
      r.year,
      r.mm,
      json_build_object(
        'total', round(sum(r.amount), 2),
        'structure', coalesce(
          json_object_agg(r.category, round(r.amount, 2) order by r.sort_order) filter (where pc.category is not null),
          '{}'::json)
      ) as repair
    from repair r
    left join present_categories pc using (category)
    group by r.year, r.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.repair order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_repair_expenses_by_month_year(text, date) is 'repair_expenses_by_month_year: per month the repair total and the sum of each repair category present in the client''s data.';
--! EndIncluded analysis_repair_expenses_by_month_year.sql
--! Included analysis_top_drivers_fines_by_month.sql
-- top_drivers_fines_by_month (ANALYSES.md #21): per year, month and driver with fines, the sum of
-- fines and the number of days with a fine (distinct days with a fine row on any vehicle), ordered
-- by sum desc (then name). Grain: year → month ("MM") → driver; months without fines are absent.
create or replace function fleet.analysis_top_drivers_fines_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.year,
      dm.mm,
      json_object_agg(
        dm.driver,
        json_build_object('sum', round(dm.fines, 2), 'count', dm.fine_days)
        order by dm.fines desc, dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.year, dm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.drivers order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_fines_by_month(text, date) is 'top_drivers_fines_by_month: per month the drivers with fines, sum and days with fines, by sum desc.';
--! EndIncluded analysis_top_drivers_fines_by_month.sql
--! Included analysis_top_drivers_salary_efficiency.sql
-- top_drivers_salary_efficiency (ANALYSES.md #22): per year, month and driver, kilometres per ruble
-- of salary min-max normalised over all the client's driver-months: (e - min) / (max - min), null
-- when every driver-month has the same efficiency (zero denominator). Driver-months with no salary
-- (≤ 0) are left out. Grain: year → month ("MM") → driver, ordered by score desc (then name).
create or replace function fleet.analysis_top_drivers_salary_efficiency(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with efficiency as (
    select dm.year, dm.mm, dm.driver, dm.daily_distance / dm.calculated_salary as km_per_rub
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.calculated_salary > 0
  ),
  bounds as (
    select min(e.km_per_rub) as lo, max(e.km_per_rub) as hi
    from efficiency e
  ),
  scored as (
    select e.year, e.mm, e.driver, ((e.km_per_rub - b.lo) / nullif(b.hi - b.lo, 0))::float8 as score
    from efficiency e
    cross join bounds b
  ),
  by_month as (
    select
      s.year,
      s.mm,
      json_object_agg(s.driver, s.score order by s.score desc nulls last, s.driver collate "C") as drivers
    from scored s
    group by s.year, s.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.drivers order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_salary_efficiency(text, date) is 'top_drivers_salary_efficiency: per month the drivers'' km per salary ruble, min-max normalised over all driver-months, desc.';
--! EndIncluded analysis_top_drivers_salary_efficiency.sql
--! Included analysis_seasonal_fines.sql
-- seasonal_fines (ANALYSES.md #23): per year the fines of every month with expense rows
-- ("monthly_fines", "01"…"12"), the sums of the four quarters ("seasonal_sums", all four, 0 where
-- none) and the quarter with the most fines ("max_season"; the earliest on a tie, null when the
-- year has no fines). All of the client's fines, with or without a driver. Grain: calendar year.
create or replace function fleet.analysis_seasonal_fines(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select m.year, m.mm, m.fines, (m.mm::int + 2) / 3 as quarter
    from fleet.expenses_by_month($1, $2) m
  ),
  quarters as (
    select y.year, q.quarter, coalesce(sum(m.fines), 0) as fines
    from (select distinct m.year from months m) y
    cross join generate_series(1, 4) q (quarter)
    left join months m on m.year = y.year and m.quarter = q.quarter
    group by y.year, q.quarter
  ),
  max_season as (
    select distinct on (q.year) q.year, case when q.fines <> 0 then q.quarter || ' квартал' end as season
    from quarters q
    order by q.year, q.fines desc, q.quarter
  ),
  by_year as (
    select
      y.year,
      json_build_object(
        'monthly_fines', (select json_object_agg(m.mm, round(m.fines, 2) order by m.mm) from months m where m.year = y.year),
        'seasonal_sums', (select json_object_agg(q.quarter || ' квартал', round(q.fines, 2) order by q.quarter) from quarters q where q.year = y.year),
        'max_season', ms.season
      ) as seasons
    from (select distinct m.year from months m) y
    join max_season ms using (year)
  )
  select coalesce(json_object_agg(b.year, b.seasons order by b.year), '{}'::json)
  from by_year b
$$;
comment on function fleet.analysis_seasonal_fines(text, date) is 'seasonal_fines: per year fines by month, by quarter, and the quarter with the most fines.';
--! EndIncluded analysis_seasonal_fines.sql
--! Included analysis_registry.sql
-- The analysis registry and the industry matrix, as data. analysis_types names each SQL analysis's
-- function as a regprocedure (validated at migration time); sort_order = the number in
-- ANALYSES.md. fleet.analyses says which industries get which analysis: every industry gets 1–11
-- and 16–23; logistics adds 12, pharma 13, construction 14; carsharing (no drivers' salaries or
-- fines) drops 5, 6, 7, 10, 21, 22, 23 and adds 15. The TS analyses (#8, #9) are registered with
-- engine 'ts' and no function; the analyze runner skips ts types it has no implementation for.
-- Rebuilt by every migration that includes this file: the industry rows of the types listed here
-- are made exactly the matrix; rows of types registered elsewhere (analysis_registry_ts.sql) are
-- left alone.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('high_salary_data', 'sql', 'fleet.analysis_high_salary_data(text,date)', 1, 'Drivers paid above Q3 + 3·IQR of the month''s salaries, with their median salary'),
  ('expenses_data', 'sql', 'fleet.analysis_expenses_data(text,date)', 2, 'Spending per year vs the annual plan, category shares'),
  ('expenses_with_market_avg', 'sql', 'fleet.analysis_expenses_with_market_avg(text,date)', 3, 'Rubles per vehicle-day per year against the industry market, in total and per category'),
  ('fuel_effectiveness', 'sql', 'fleet.analysis_fuel_effectiveness(text,date)', 4, 'Km per ruble of fuel per vehicle per month'),
  ('salary_effectiveness', 'sql', 'fleet.analysis_salary_effectiveness(text,date)', 5, 'Km per ruble of salary per driver per month'),
  ('month_drivers_fine', 'sql', 'fleet.analysis_month_drivers_fine(text,date)', 6, 'Fines per driver per month (non-zero, by sum desc)'),
  ('year_drivers_fine', 'sql', 'fleet.analysis_year_drivers_fine(text,date)', 7, 'Fines per driver per year (by sum desc)'),
  ('analyze_and_plot', 'ts', null, 8, 'Monthly total spending, its ETS (Holt-Winters) forecast for 3 months and outlier months'),
  ('recommendations', 'ts', null, 9, 'Recommendations in Russian: budget for next year, inefficient drivers, downtime, fuel efficiency, maintenance, fines'),
  ('salary_data', 'sql', 'fleet.analysis_salary_data(text,date)', 10, 'Salary per driver per month'),
  ('fuel_km_per_month', 'sql', 'fleet.analysis_fuel_km_per_month(text,date)', 11, 'Fuel rubles, km and rubles per km per month'),
  ('logistic_expenses_by_month', 'sql', 'fleet.analysis_logistic_expenses_by_month(text,date)', 12, 'Logistics categories per month (cargo insurance, temperature control, customs, transloading)'),
  ('pharma_expenses_by_month', 'sql', 'fleet.analysis_pharma_expenses_by_month(text,date)', 13, 'Pharma categories per month (sterilisation, licences, temperature control; old misspelt keys)'),
  ('building_expenses_by_month', 'sql', 'fleet.analysis_building_expenses_by_month(text,date)', 14, 'Construction categories per month (bucket parts, special lubricants)'),
  ('vehicle_usage_by_month', 'sql', 'fleet.analysis_vehicle_usage_by_month(text,date)', 15, 'Days driven and km per vehicle per month'),
  ('downtime_find', 'sql', 'fleet.analysis_downtime_find(text,date)', 16, 'Zero-km vehicle-days and their total cost per vehicle per month'),
  ('aggregated_expenses_by_month_year', 'sql', 'fleet.analysis_aggregated_expenses_by_month_year(text,date)', 17, 'Every money category per month'),
  ('vehicle_efficiency_per_year', 'sql', 'fleet.analysis_vehicle_efficiency_per_year(text,date)', 18, 'Km per 100 rubles of total cost per vehicle per year'),
  ('amortization_by_month_year', 'sql', 'fleet.analysis_amortization_by_month_year(text,date)', 19, 'Amortization per month'),
  ('repair_expenses_by_month_year', 'sql', 'fleet.analysis_repair_expenses_by_month_year(text,date)', 20, 'Repair total and repair categories per month'),
  ('top_drivers_fines_by_month', 'sql', 'fleet.analysis_top_drivers_fines_by_month(text,date)', 21, 'Fines sum and days with fines per driver per month (by sum desc)'),
  ('top_drivers_salary_efficiency', 'sql', 'fleet.analysis_top_drivers_salary_efficiency(text,date)', 22, 'Km per salary ruble per driver-month, min-max normalised (desc)'),
  ('seasonal_fines', 'sql', 'fleet.analysis_seasonal_fines(text,date)', 23, 'Fines per month and quarter per year, and the quarter with the most')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

-- industries = null: every industry; otherwise the listed codes only. except = industries left out.
with matrix (analysis_type, industries, except_industries) as (
  values
    ('high_salary_data', null::text[], null::text[]),
    ('expenses_data', null, null),
    ('expenses_with_market_avg', null, null),
    ('fuel_effectiveness', null, null),
    ('salary_effectiveness', null, '{carsharing}'),
    ('month_drivers_fine', null, '{carsharing}'),
    ('year_drivers_fine', null, '{carsharing}'),
    ('analyze_and_plot', null, null),
    ('recommendations', null, null),
    ('salary_data', null, '{carsharing}'),
    ('fuel_km_per_month', null, null),
    ('logistic_expenses_by_month', '{logistics}', null),
    ('pharma_expenses_by_month', '{pharma}', null),
    ('building_expenses_by_month', '{construction}', null),
    ('vehicle_usage_by_month', '{carsharing}', null),
    ('downtime_find', null, null),
    ('aggregated_expenses_by_month_year', null, null),
    ('vehicle_efficiency_per_year', null, null),
    ('amortization_by_month_year', null, null),
    ('repair_expenses_by_month_year', null, null),
    ('top_drivers_fines_by_month', null, '{carsharing}'),
    ('top_drivers_salary_efficiency', null, '{carsharing}'),
    ('seasonal_fines', null, '{carsharing}')
),
wanted as (
  select i.code as industry, m.analysis_type
  from matrix m
  join fleet.industries i
    on (m.industries is null or i.code = any (m.industries))
   and not (i.code = any (coalesce(m.except_industries, '{}')))
),
removed as (
  delete from fleet.analyses a
  where a.analysis_type in (select m.analysis_type from matrix m)
    and not exists (select 1 from wanted w where w.industry = a.industry and w.analysis_type = a.analysis_type)
)
insert into fleet.analyses (industry, analysis_type)
select w.industry, w.analysis_type from wanted w
on conflict do nothing;
--! EndIncluded analysis_registry.sql
--! Included schema_sources.sql
-- fleet.source_state: incremental reading of client databases. One row per client and source table
-- (the table name as configured in fleet.clients): the latest date loaded from it, so the next load
-- re-reads only a safety window before that date instead of the whole table.
create table if not exists fleet.source_state (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  source_table text not null,
  source_name text not null,
  last_loaded_date date not null,
  updated_at timestamptz not null default now(),
  primary key (client_id, source_table)
);
comment on table fleet.source_state is 'Incremental loads from client databases: per client and source table, the latest date loaded; the next load reads rows dated on or after last_loaded_date minus the safety window (FLEETSIGHT_SOURCE_WINDOW_DAYS, default 35). `fleetsight load <client> --full` ignores it.';
comment on column fleet.source_state.source_table is 'The source table name as configured in fleet.clients (source_expenses_table / source_vehicles_table).';
comment on column fleet.source_state.source_name is 'The source the date came from, without credentials (pg:host/db or mysql:host/db); a different source (source_url pointing elsewhere) means a full read.';
comment on column fleet.source_state.last_loaded_date is 'The latest date among the rows loaded from this table.';
--! EndIncluded schema_sources.sql
--! Included clients_triggers.sql
-- Triggers on fleet.clients: budget/industry changes mark the client for re-analysis
-- (data_version bump); setting or changing source_url (or the source table names while linked)
-- enqueues a load in the same transaction, so a rolled-back change enqueues nothing.
create or replace function fleet.clients_before_update()
returns trigger
language plpgsql
as $$
begin
  if new.year_budget is distinct from old.year_budget or new.industry is distinct from old.industry then
    new.data_version := old.data_version + 1;
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function fleet.clients_before_update() is 'Trigger: bump data_version when budget or industry change, so the sweep re-analyses the client.';

create or replace function fleet.clients_after_source_change()
returns trigger
language plpgsql
as $$
begin
  if new.source_url is not null and (
       tg_op = 'INSERT'
       or new.source_url is distinct from old.source_url
       or new.source_vehicles_table is distinct from old.source_vehicles_table
       or new.source_expenses_table is distinct from old.source_expenses_table) then
    perform fleet.add_job('load', new.client_id);
  end if;
  return null;
end;
$$;
comment on function fleet.clients_after_source_change() is 'Trigger: enqueue load (job key load:<client>) for a client whose source_url was set or changed, or whose source table names changed while linked (same transaction).';

drop trigger if exists clients_before_update on fleet.clients;
create trigger clients_before_update before update on fleet.clients
  for each row execute function fleet.clients_before_update();
drop trigger if exists clients_after_source_change on fleet.clients;
create trigger clients_after_source_change after insert or update of source_url, source_vehicles_table, source_expenses_table on fleet.clients
  for each row execute function fleet.clients_after_source_change();
--! EndIncluded clients_triggers.sql
--! Included roles.sql
-- Access control for the dashboard: the role fleet_dashboard (nologin; grant it to the dashboard's
-- login role, or `set role fleet_dashboard`) reads only the rows of the client named in its
-- session (`set fleet.client_id = 'c_123'`), through row-level security on the result tables and
-- through views/functions that filter by that setting. It has no privilege on fleet.clients, so it
-- can never read source_url (the client's database password). The pipeline (table owner) is
-- unaffected by RLS; a non-owner pipeline role is covered by the fleet_pipeline_all policies.
do $$
begin
  if not exists (select from pg_roles where rolname = 'fleet_dashboard') then
    create role fleet_dashboard nologin;
  end if;
end
$$;
comment on role fleet_dashboard is 'fleetsight dashboard: reads fraud_json, anomalies, loads of the client in current_setting(''fleet.client_id''); can call fleet.add_job; never sees source_url.';

-- fleet.dashboard_client_id: the client of this session, null when unset or empty.
create or replace function fleet.dashboard_client_id()
returns text
language sql stable
as $$
  select nullif(current_setting('fleet.client_id', true), '')
$$;
comment on function fleet.dashboard_client_id() is 'The client id set in this session (set fleet.client_id = ''c_123''), or null; every dashboard policy and view filters on it.';

grant usage on schema fleet to fleet_dashboard;
grant execute on function fleet.dashboard_client_id() to fleet_dashboard;
grant execute on function fleet.add_job(text, text) to fleet_dashboard;
grant execute on function fleet.industry_code(text) to fleet_dashboard;
grant select on fleet.industries to fleet_dashboard;
-- Never any privilege on fleet.clients (source_url); revoke in case someone granted it by hand.
revoke all on fleet.clients from fleet_dashboard;

-- Row-level security on the per-client tables the dashboard reads. Policies for fleet_dashboard (and
-- its members) see one client; every other non-owner role keeps full access (fleet_pipeline_all).
do $$
declare
  t text;
begin
  foreach t in array array['fraud_json', 'anomalies', 'loads', 'load_rejects'] loop
    execute format('alter table fleet.%I enable row level security', t);
    execute format('grant select on fleet.%I to fleet_dashboard', t);
    execute format('drop policy if exists fleet_dashboard_own_client on fleet.%I', t);
    execute format('create policy fleet_dashboard_own_client on fleet.%I for select to fleet_dashboard using (client_id = fleet.dashboard_client_id())', t);
    execute format('drop policy if exists fleet_pipeline_all on fleet.%I', t);
    execute format($p$create policy fleet_pipeline_all on fleet.%I for all to public
                      using (not pg_has_role(current_user, 'fleet_dashboard', 'member'))
                      with check (not pg_has_role(current_user, 'fleet_dashboard', 'member'))$p$, t);
  end loop;
end
$$;

-- fleet.my_client: the session's client without source_url (only whether a database is linked).
create or replace view fleet.my_client with (security_barrier) as
select c.client_id, c.name, c.industry, i.name_ru as industry_ru, c.year_budget,
       (c.source_url is not null) as database_linked,
       c.source_vehicles_table, c.source_expenses_table,
       c.data_version, c.analyzed_version, c.analyzed_at, c.created_at, c.updated_at
from fleet.clients c
join fleet.industries i on i.code = c.industry
where c.client_id = fleet.dashboard_client_id();
comment on view fleet.my_client is 'The client of this session (fleet.client_id): everything but source_url. For the dashboard role.';
grant select on fleet.my_client to fleet_dashboard;

-- Status of the session's client from the status views (fleet.client_status, fleet.latest_loads).
-- Dynamic SQL on purpose: no dependency on those views, so they can be dropped and recreated freely,
-- and these functions work whether or not the views exist yet (null / no rows when they do not).
create or replace function fleet.my_status()
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
  v_result jsonb;
begin
  if v_client is null or to_regclass('fleet.client_status') is null then
    return null;
  end if;
  execute 'select to_jsonb(s) - ''source_url'' from fleet.client_status s where s.client_id = $1'
    into v_result using v_client;
  return v_result;
end;
$$;
comment on function fleet.my_status() is 'The fleet.client_status row of the session''s client (set fleet.client_id) as jsonb; null when none. For the dashboard role.';

create or replace function fleet.my_latest_loads()
returns setof jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
begin
  if v_client is null or to_regclass('fleet.latest_loads') is null then
    return;
  end if;
  return query execute 'select to_jsonb(l) from fleet.latest_loads l where l.client_id = $1 order by l.started_at desc'
    using v_client;
end;
$$;
comment on function fleet.my_latest_loads() is 'The fleet.latest_loads rows of the session''s client (set fleet.client_id) as jsonb, newest first. For the dashboard role.';

-- fleet.link_database: the session's client links (or, with null, unlinks) its database. Setting
-- source_url enqueues a load through the clients trigger, in this transaction.
create or replace function fleet.link_database(url text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
begin
  if v_client is null then
    raise exception 'fleet.link_database: set fleet.client_id first' using errcode = '22023';
  end if;
  if url is not null and url !~* '^(postgres|postgresql|mysql)://' then
    raise exception 'fleet.link_database: expected a postgresql:// or mysql:// URL' using errcode = '22023';
  end if;
  update fleet.clients c set source_url = nullif(btrim(url), '') where c.client_id = v_client;
  if not found then
    raise exception 'fleet.link_database: unknown client %', quote_literal(v_client) using errcode = '22023';
  end if;
end;
$$;
comment on function fleet.link_database(text) is 'Set (or clear, with null) source_url of the session''s client; enqueues a load. The URL is never readable back.';

revoke execute on function fleet.my_status() from public;
revoke execute on function fleet.my_latest_loads() from public;
revoke execute on function fleet.link_database(text) from public;
grant execute on function fleet.my_status() to fleet_dashboard;
grant execute on function fleet.my_latest_loads() to fleet_dashboard;
grant execute on function fleet.link_database(text) to fleet_dashboard;
--! EndIncluded roles.sql
--! Included recommendation_facts.sql
-- fleet.recommendation_facts: the aggregates behind the recommendations (ANALYSES.md #9) and
-- recommendations_detail, as one json document; the ranking and the Russian texts are assembled in
-- TypeScript (src/recommend/). Reads only the shared intermediates (fleet.expenses_by_month,
-- fleet.expenses_by_vehicle_month, fleet.expenses_by_driver_month), so inside an analyze run it
-- costs no extra scan of fleet.expenses.
-- Shape:
--   {"year": "2024" | null,        -- the latest year whose December has data, else the latest year
--    "year_complete": true|false,  -- whether that year's December has data
--    "year_total": x,              -- all money of that year
--    "year_budget": x | null,      -- the client's annual plan (null when unset)
--    "total": x,                   -- all money up to as_of
--    "vehicles": [{"id", "km", "fuel", "maintenance", "downtime_cost", "total"}, …]  -- by id
--    "drivers":  [{"id", "km", "fuel", "fines", "fine_days"}, …]}                   -- by id
-- Grain: one document per client; vehicles = distinct gov_number, drivers = distinct non-empty
-- driver, all-time figures up to as_of. downtime_cost = total cost on vehicle-days without
-- kilometres; fine_days = distinct days with fines. Empty client: year null, empty arrays.
-- plpgsql rather than sql: the intermediates are resolved when it runs, so this file does not
-- depend on the order in which a migration includes them.
create or replace function fleet.recommendation_facts(client_id text, as_of date)
returns json
language plpgsql stable
as $$
begin
  return (
    with months as (
      select m.year, m.mm, m.total_cost
      from fleet.expenses_by_month($1, $2) m
    ),
    chosen as (
      select coalesce(max(m.year) filter (where m.mm = '12'), max(m.year)) as year,
             max(m.year) filter (where m.mm = '12') is not null as complete
      from months m
    ),
    vehicles as (
      select
        v.gov_number as id,
        sum(v.daily_distance) as km,
        sum(v.fuel) as fuel,
        sum(v.maintenance) as maintenance,
        sum(v.zero_km_cost) as downtime_cost,
        sum(v.total_cost) as total
      from fleet.expenses_by_vehicle_month($1, $2) v
      group by v.gov_number
    ),
    drivers as (
      select
        d.driver as id,
        sum(d.daily_distance) as km,
        sum(d.fuel) as fuel,
        sum(d.fines) as fines,
        sum(d.fine_days)::int as fine_days
      from fleet.expenses_by_driver_month($1, $2) d
      group by d.driver
    )
    select json_build_object(
      'year', c.year,
      'year_complete', c.complete,
      'year_total', coalesce((select sum(m.total_cost) from months m where m.year = c.year), 0),
      'year_budget', (select cl.year_budget from fleet.clients cl where cl.client_id = $1),
      'total', coalesce((select sum(m.total_cost) from months m), 0),
      'vehicles', coalesce((
        select json_agg(json_build_object(
          'id', v.id, 'km', v.km, 'fuel', v.fuel, 'maintenance', v.maintenance,
          'downtime_cost', v.downtime_cost, 'total', v.total) order by v.id)
        from vehicles v), '[]'::json),
      'drivers', coalesce((
        select json_agg(json_build_object(
          'id', d.id, 'km', d.km, 'fuel', d.fuel, 'fines', d.fines, 'fine_days', d.fine_days) order by d.id)
        from drivers d), '[]'::json)
    )
    from chosen c
  );
end;
$$;
comment on function fleet.recommendation_facts(text, date) is 'The aggregates of recommendations / recommendations_detail as json: the budget year (latest with December data) and its total, per-vehicle km, fuel, maintenance, downtime cost, per-driver km, fuel, fines, fine days (all time up to as_of).';
--! EndIncluded recommendation_facts.sql
--! Included analysis_registry_ts.sql
-- The analyses computed in TypeScript by the analyze task (engine 'ts', no SQL function):
-- analyze_and_plot (ANALYSES.md #8, src/analyses/analyzeAndPlot.ts), recommendations (#9) and
-- recommendations_detail (src/recommend/), for every industry. Additive only: rows of
-- fleet.analyses are inserted with `on conflict do nothing` and nothing is deleted, so this file
-- never removes what sql/analysis_registry.sql registers. recommendations_detail sorts last (100):
-- it reads the fleet.anomalies rows the rule analyses wrote earlier in the same run.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('analyze_and_plot', 'ts', null, 8, 'Monthly total spending, its ETS (Holt-Winters) forecast for 3 months and outlier months'),
  ('recommendations', 'ts', null, 9, 'Recommendations in Russian: budget for next year, inefficient drivers, downtime, fuel efficiency, maintenance, fines'),
  ('recommendations_detail', 'ts', null, 100, 'The recommendations as structured items (code, severity, text, subjects with peer median and rubles in excess), plus rule-based items from fleet.anomalies')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

insert into fleet.analyses (industry, analysis_type)
select i.code, t.analysis_type
from fleet.industries i
cross join (values ('analyze_and_plot'), ('recommendations'), ('recommendations_detail')) as t (analysis_type)
on conflict do nothing;
--! EndIncluded analysis_registry_ts.sql
--! Included schema_rules.sql
-- Anomaly rules as data: thresholds (fleet.settings, per-client overrides in fleet.client_settings,
-- read through fleet.setting / fleet.setting_json) and the rule registry (fleet.anomaly_rules) that
-- fleet.refresh_anomalies walks. Idempotent: tables are created if missing, default settings and
-- rules are inserted without overwriting values an operator changed.
-- Grain: settings one row per key; client_settings one row per (client, key); anomaly_rules one
-- row per rule.
create table if not exists fleet.settings (
  key text primary key check (key ~ '^[a-z_]+\.[a-z0-9_]+$'),
  value jsonb not null,
  description text not null
);
comment on table fleet.settings is 'Pipeline-wide thresholds of the anomaly rules (key <rule>.<name>, value jsonb: a number or a list). Change a threshold with an update, not a release; per-client overrides live in fleet.client_settings.';
comment on column fleet.settings.key is '<rule>.<name>, e.g. fuel_norm_check.tolerance.';
comment on column fleet.settings.value is 'A JSON number (read with fleet.setting) or a JSON array (read with fleet.setting_json).';
comment on column fleet.settings.description is 'What the threshold means and its unit.';

create table if not exists fleet.client_settings (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  key text not null references fleet.settings (key) on delete cascade,
  value jsonb not null,
  primary key (client_id, key)
);
comment on table fleet.client_settings is 'Per-client overrides of fleet.settings (same keys, same value types).';
comment on column fleet.client_settings.client_id is 'The client the override applies to.';
comment on column fleet.client_settings.key is 'A key of fleet.settings.';
comment on column fleet.client_settings.value is 'The client''s value, replacing fleet.settings.value for this client.';

create or replace function fleet.setting_json(client_id text, key text)
returns jsonb
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v jsonb;
begin
  select coalesce(cs.value, s.value) into v
  from fleet.settings s
  left join fleet.client_settings cs on cs.key = s.key and cs.client_id = setting_json.client_id
  where s.key = setting_json.key;
  if v is null then
    raise exception 'fleet.setting: unknown setting %', quote_literal(key) using errcode = '22023';
  end if;
  return v;
end;
$$;
comment on function fleet.setting_json(text, text) is 'The value of a rule threshold for a client: its fleet.client_settings override, else fleet.settings. Unknown keys raise (a typo never silently disables a rule).';

create or replace function fleet.setting(client_id text, key text)
returns numeric
language sql stable
as $$
  select (fleet.setting_json($1, $2) #>> '{}')::numeric
$$;
comment on function fleet.setting(text, text) is 'A numeric rule threshold for a client (override or default); see fleet.setting_json.';

insert into fleet.settings (key, value, description) values
  ('high_salary.iqr_k', '3', 'Tukey fence: a driver-month salary above Q3 + k·IQR of the month''s salaries (drivers paid > 0) is flagged (3 = "far out").'),
  ('high_salary.severity_medium', '1.75', 'Salary ≥ this × the driver''s median monthly salary → severity medium.'),
  ('high_salary.severity_high', '2.5', 'Salary ≥ this × the driver''s median monthly salary → severity high.'),
  ('fuel_norm_check.tolerance', '0.10', 'Flag a vehicle-month whose litres exceed the corrected norm by more than this share.'),
  ('fuel_norm_check.winter_months', '[11, 12, 1, 2, 3]', 'Months (1–12) that get the winter correction.'),
  ('fuel_norm_check.winter_correction', '0.10', 'Winter correction to the base norm (share, added to the other corrections as in Минтранс АМ-23-р).'),
  ('fuel_norm_check.age_years_1', '5', 'Vehicles older than this many years (from release_year) get age_correction_1.'),
  ('fuel_norm_check.age_correction_1', '0.05', 'Age correction for vehicles older than age_years_1 (share).'),
  ('fuel_norm_check.age_years_2', '8', 'Vehicles older than this many years get age_correction_2 instead.'),
  ('fuel_norm_check.age_correction_2', '0.10', 'Age correction for vehicles older than age_years_2 (share).'),
  ('fuel_norm_check.min_km', '100', 'Vehicle-months with fewer km are not judged (too little driving for a norm).'),
  ('fuel_norm_check.peer_ratio', '0.30', 'Without a norm: flag fuel rubles per km at least this share above the median of the same vehicle type in the month.'),
  ('fuel_norm_check.norm_peer_ratio', '0.15', 'With a norm but without litres: flag fuel rubles per corrected norm litre at least this share above the median of the same vehicle type in the month.'),
  ('fuel_norm_check.peer_mad_k', '3', 'Without litres or a norm: and above the type median + k·MAD (scaled MAD, 1.4826·median absolute deviation).'),
  ('fuel_norm_check.min_peers', '3', 'Without litres or a norm: at least this many vehicle-months of the type in the month to form a peer median.'),
  ('fuel_norm_check.severity_medium', '0.20', 'Excess over the (corrected) expectation ≥ this share → severity medium.'),
  ('fuel_norm_check.severity_high', '0.30', 'Excess over the (corrected) expectation ≥ this share → severity high.'),
  ('idle_fuel.max_km', '5', 'A vehicle-day with fewer km than this is idle; fuel bought on it is idle fuel.'),
  ('idle_fuel.min_days', '2', 'Flag a vehicle-month with at least this many idle days with fuel bought.'),
  ('idle_fuel.severity_medium', '3', 'Idle-fuel days in the month ≥ this → severity medium.'),
  ('idle_fuel.severity_high', '5', 'Idle-fuel days in the month ≥ this → severity high.'),
  ('driver_fines.mad_k', '3', 'Flag a driver whose fines per 1,000 km exceed the drivers'' median + k·MAD (scaled MAD).'),
  ('driver_fines.min_ratio', '3', 'and are at least this many times the median rate.'),
  ('driver_fines.min_km', '1000', 'Drivers with fewer km in the period are not judged and are not peers.'),
  ('driver_fines.min_peers', '5', 'At least this many judged drivers to form a median.'),
  ('driver_fines.severity_medium', '3', 'Rate ≥ this × the median → severity medium.'),
  ('driver_fines.severity_high', '5', 'Rate ≥ this × the median → severity high.'),
  ('odometer_check.max_km_per_day', '2000', 'An odometer advance or a daily_distance above this many km per day is impossible.'),
  ('odometer_check.backwards_tolerance_km', '1', 'A reading lower than the previous one by more than this many km is a rollback.'),
  ('price_per_liter.mad_k', '2', 'Flag a vehicle-month price per litre above the peers'' median + k·MAD (scaled MAD); peers = same month and vehicle type (fuel grade), else the whole client month.'),
  ('price_per_liter.min_excess', '0.08', 'and at least this share above the median (guards against tiny MADs).'),
  ('price_per_liter.min_peers', '3', 'At least this many vehicle-months of the type in the month to use type peers; otherwise all the client''s vehicles of the month.'),
  ('price_per_liter.min_liters', '20', 'Vehicle-months with fewer litres are not judged.'),
  ('price_per_liter.severity_medium', '0.15', 'Excess over the median ≥ this share → severity medium.'),
  ('price_per_liter.severity_high', '0.25', 'Excess over the median ≥ this share → severity high.'),
  ('silent_assets.min_days', '21', 'Flag a vehicle with at least this many consecutive days without kilometres while costs are posted.'),
  ('silent_assets.repair_share', '0.5', 'A still period whose repair-category costs are at least this share of its cash costs (all but fuel and amortization) — and repair_ratio × the usual — is a repair downtime (legitimate), not flagged.'),
  ('silent_assets.repair_ratio', '2', 'and whose repair-category costs are at least this many times the vehicle''s usual repair spend for as many days.'),
  ('silent_assets.severity_medium', '30', 'Silent period ≥ this many days → severity medium.'),
  ('silent_assets.severity_high', '60', 'Silent period ≥ this many days → severity high.'),
  ('budget_burn.recent_months', '3', 'Run-rate: the mean of this many latest complete months (seasonally adjusted when the previous year is complete).'),
  ('budget_burn.severity_medium', '0.05', 'Projected overrun ≥ this share of the budget → severity medium.'),
  ('budget_burn.severity_high', '0.20', 'Projected overrun ≥ this share of the budget → severity high.'),
  ('data_quality.min_gap_days', '3', 'Report runs of at least this many days without any expense row inside the client''s data range.')
on conflict (key) do nothing;

create table if not exists fleet.anomaly_rules (
  rule text primary key check (rule ~ '^[a-z_]{2,40}$'),
  fn regprocedure not null,
  enabled boolean not null default true,
  sort_order int not null,
  description text not null
);
comment on table fleet.anomaly_rules is 'The anomaly rules fleet.refresh_anomalies runs, in sort_order: each names its function (a regprocedure fn(client_id text, as_of date) returning rows shaped like fleet.anomalies without ids). Disable a rule with enabled = false.';
comment on column fleet.anomaly_rules.rule is 'The rule name written to fleet.anomalies.rule.';
comment on column fleet.anomaly_rules.sort_order is 'Order in which fleet.refresh_anomalies runs the rules.';
comment on column fleet.anomaly_rules.description is 'What the rule finds (shown in anomaly_summary).';
comment on column fleet.anomaly_rules.fn is 'The rule''s function, validated at insert time; never built from text at run time.';
comment on column fleet.anomaly_rules.enabled is 'false: the rule is skipped (its earlier findings are removed by the next refresh).';
--! EndIncluded schema_rules.sql
--! Included anomaly_high_salary.sql
-- Rule high_salary (ANALYSES.md #1 as findings): a driver-month whose salary is above the Tukey
-- far-out fence Q3 + k·IQR of the month salaries of the drivers paid > 0 that month (quantiles by
-- linear interpolation, percentile_cont). expected = the driver's median monthly salary over their
-- months with pay > 0; rubles at stake = salary − min(that median, the fence).
-- Grain: one row per flagged driver-month.
create or replace function fleet.anomaly_high_salary(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'high_salary.iqr_k') as k,
      fleet.setting($1, 'high_salary.severity_medium') as sev_medium,
      fleet.setting($1, 'high_salary.severity_high') as sev_high
  ),
  driver_month as (
    -- from the shared driver-month intermediate (cached for the analyze transaction by
    -- fleet.expenses_cache_refresh); drivers without a name are not in it
    select d.driver, d.month, d.calculated_salary as salary
    from fleet.expenses_by_driver_month($1, $2) d
    where d.calculated_salary > 0
  ),
  month_fence as (
    select
      dm.month,
      count(*) as drivers,
      percentile_cont(0.25) within group (order by dm.salary) as q1,
      percentile_cont(0.5) within group (order by dm.salary) as median,
      percentile_cont(0.75) within group (order by dm.salary) as q3
    from driver_month dm
    group by dm.month
  ),
  driver_median as (
    select dm.driver, percentile_cont(0.5) within group (order by dm.salary) as median, count(*) as months
    from driver_month dm
    group by dm.driver
  ),
  flagged as (
    select
      dm.driver, dm.month, dm.salary, mf.drivers, mf.q1, mf.q3, mf.median as month_median,
      (mf.q3 + p.k * (mf.q3 - mf.q1))::numeric as fence,
      dmed.median::numeric as driver_median, dmed.months as driver_months, p.sev_medium, p.sev_high, p.k
    from driver_month dm
    join month_fence mf using (month)
    join driver_median dmed using (driver)
    cross join params p
    where dm.salary > mf.q3 + p.k * (mf.q3 - mf.q1)
  )
  select
    null::bigint, $1, 'high_salary', 'driver', f.driver, f.month, (f.month + interval '1 month - 1 day')::date,
    f.salary, round(f.driver_median, 2),
    case when f.salary >= f.sev_high * f.driver_median then 'high' when f.salary >= f.sev_medium * f.driver_median then 'medium' else 'low' end,
    round(f.salary - least(f.driver_median, f.fence), 2),
    jsonb_build_object(
      'month', to_char(f.month, 'YYYY-MM'),
      'fence', round(f.fence, 2),
      'q1', round(f.q1::numeric, 2),
      'q3', round(f.q3::numeric, 2),
      'iqr_k', f.k,
      'month_median', round(f.month_median::numeric, 2),
      'drivers_paid', f.drivers,
      'driver_median', round(f.driver_median, 2),
      'driver_months', f.driver_months
    ),
    now()
  from flagged f
  order by f.month, f.driver
$$;
comment on function fleet.anomaly_high_salary(text, date) is 'Rule high_salary: driver-months paid above Q3 + k·IQR (Tukey far-out fence) of that month''s salaries of drivers paid > 0; rubles at stake = salary − min(driver''s median, fence).';
--! EndIncluded anomaly_high_salary.sql
--! Included anomaly_fuel_norm_check.sql
-- Rule fuel_norm_check: fuel consumption per vehicle-month against the vehicle's norm, Минтранс
-- АМ-23-р style: norm litres = base l/100 km × km / 100 × (1 + corrections), the corrections summed:
-- winter (+10% in the winter months) and age (+5% over 5 years, +10% over 8 years, from
-- release_year). Flag when the litres exceed the corrected norm by more than the tolerance (10%);
-- rubles at stake = litres over the norm × the vehicle's own average price per litre.
-- Without a norm (vehicles.fuel_consumption missing): fuel rubles per km against the median of the
-- vehicles of the same vehicle_type in the same month (robust: median and MAD); flag ≥ 30% above
-- the median (peer_ratio) and above median + k·MAD; rubles at stake = fuel − median rate × km.
-- With a norm but without litres (fuel rows lacking fuel_liters): the same with fuel rubles per
-- corrected norm litre (the norm removes the consumption spread within a type, so the threshold is
-- norm_peer_ratio, 15%); rubles at stake = fuel − median × norm litres.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_fuel_norm_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'fuel_norm_check.tolerance') as tolerance,
      array(select jsonb_array_elements_text(fleet.setting_json($1, 'fuel_norm_check.winter_months'))::int) as winter_months,
      fleet.setting($1, 'fuel_norm_check.winter_correction') as winter_correction,
      fleet.setting($1, 'fuel_norm_check.age_years_1') as age_years_1,
      fleet.setting($1, 'fuel_norm_check.age_correction_1') as age_correction_1,
      fleet.setting($1, 'fuel_norm_check.age_years_2') as age_years_2,
      fleet.setting($1, 'fuel_norm_check.age_correction_2') as age_correction_2,
      fleet.setting($1, 'fuel_norm_check.min_km') as min_km,
      fleet.setting($1, 'fuel_norm_check.peer_ratio') as peer_ratio,
      fleet.setting($1, 'fuel_norm_check.norm_peer_ratio') as norm_peer_ratio,
      fleet.setting($1, 'fuel_norm_check.peer_mad_k') as peer_mad_k,
      fleet.setting($1, 'fuel_norm_check.min_peers') as min_peers,
      fleet.setting($1, 'fuel_norm_check.severity_medium') as sev_medium,
      fleet.setting($1, 'fuel_norm_check.severity_high') as sev_high
  ),
  vehicle_month as (
    select
      e.gov_number,
      date_trunc('month', e.date::timestamp)::date as month,
      sum(e.daily_distance) as km,
      sum(e.fuel) as fuel_rub,
      sum(e.fuel_liters) as liters,
      -- litres are usable when every row with fuel bought has them
      bool_and(e.fuel_liters is not null) filter (where e.fuel > 0 or e.fuel_liters > 0) as has_liters,
      sum(e.fuel) filter (where e.fuel_liters > 0 and e.fuel > 0) as priced_rub,
      sum(e.fuel_liters) filter (where e.fuel_liters > 0 and e.fuel > 0) as priced_liters,
      max(e.vehicle_type) as expense_vehicle_type
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2
    group by 1, 2
  ),
  vehicle_price as (
    select vm.gov_number, sum(vm.priced_rub) / nullif(sum(vm.priced_liters), 0) as rub_per_liter
    from vehicle_month vm
    group by vm.gov_number
  ),
  judged as (
    select
      vm.*,
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') as vehicle_type,
      nullif(v.fuel_consumption, 0) as norm_l_100km,
      v.release_year,
      extract(year from vm.month)::int - v.release_year as age_years,
      vp.rub_per_liter,
      case when extract(month from vm.month)::int = any (p.winter_months) then p.winter_correction else 0 end as winter_corr,
      case
        when extract(year from vm.month)::int - v.release_year > p.age_years_2 then p.age_correction_2
        when extract(year from vm.month)::int - v.release_year > p.age_years_1 then p.age_correction_1
        else 0
      end as age_corr
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    left join vehicle_price vp on vp.gov_number = vm.gov_number
    where vm.km >= p.min_km
  ),
  norm_mode as (
    select
      j.*,
      j.norm_l_100km * j.km / 100 * (1 + j.winter_corr + j.age_corr) as norm_liters
    from judged j
    where j.norm_l_100km is not null and j.has_liters and j.liters > 0
  ),
  norm_flags as (
    select
      n.gov_number, n.month, n.liters as observed, n.norm_liters as expected,
      (n.liters - n.norm_liters) * coalesce(n.rub_per_liter, n.fuel_rub / nullif(n.liters, 0), 0) as rub_at_stake,
      n.liters / n.norm_liters - 1 as excess,
      jsonb_build_object(
        'mode', 'norm',
        'unit', 'l',
        'vehicle_type', n.vehicle_type,
        'km', round(n.km, 1),
        'liters', round(n.liters, 2),
        'norm_l_per_100km', n.norm_l_100km,
        'norm_liters', round(n.norm_liters, 2),
        'winter_correction', n.winter_corr,
        'age_correction', n.age_corr,
        'release_year', n.release_year,
        'over_liters', round(n.liters - n.norm_liters, 2),
        'rub_per_liter', round(n.rub_per_liter, 2),
        'l_per_100km', round(n.liters / n.km * 100, 2),
        'fuel_rub', round(n.fuel_rub, 2)
      ) as details
    from norm_mode n
    cross join params p
    where n.liters > n.norm_liters * (1 + p.tolerance)
  ),
  peer_base as (
    -- the peer metric: rubles per corrected norm litre when the vehicle has a norm (the norm takes
    -- out the spread of consumption within a type), else rubles per km
    select j.*,
      j.norm_l_100km is not null as normed,
      case when j.norm_l_100km is not null then j.norm_l_100km * j.km / 100 * (1 + j.winter_corr + j.age_corr) else j.km end as base
    from judged j
  ),
  peer_stats as (
    select b.vehicle_type, b.month, b.normed, count(*) as peers,
      percentile_cont(0.5) within group (order by b.fuel_rub / b.base) as median
    from peer_base b
    group by b.vehicle_type, b.month, b.normed
  ),
  peer_mad as (
    select ps.vehicle_type, ps.month, ps.normed, ps.peers, ps.median,
      percentile_cont(0.5) within group (order by abs(b.fuel_rub / b.base - ps.median)) as mad
    from peer_stats ps
    join peer_base b using (vehicle_type, month, normed)
    group by ps.vehicle_type, ps.month, ps.normed, ps.peers, ps.median
  ),
  peer_flags as (
    select
      b.gov_number, b.month, b.fuel_rub as observed, pm.median * b.base as expected,
      b.fuel_rub - pm.median * b.base as rub_at_stake,
      (b.fuel_rub / b.base) / pm.median - 1 as excess,
      jsonb_build_object(
        'mode', 'peers',
        'unit', 'rub',
        'reason', case when b.normed then 'no_liters' else 'no_norm' end,
        'metric', case when b.normed then 'rub_per_norm_liter' else 'rub_per_km' end,
        'vehicle_type', b.vehicle_type,
        'km', round(b.km, 1),
        'fuel_rub', round(b.fuel_rub, 2),
        'norm_liters', case when b.normed then round(b.base, 2) end,
        'value', round(b.fuel_rub / b.base, 3),
        'peer_median', round(pm.median::numeric, 3),
        'peer_mad', round(pm.mad::numeric, 3),
        'peers', pm.peers
      ) as details
    from peer_base b
    join peer_mad pm using (vehicle_type, month, normed)
    cross join params p
    where not (b.normed and b.has_liters and b.liters > 0)
      and pm.peers >= p.min_peers
      and pm.median > 0
      and b.fuel_rub / b.base >= pm.median * (1 + case when b.normed then p.norm_peer_ratio else p.peer_ratio end)
      and b.fuel_rub / b.base > pm.median + p.peer_mad_k * 1.4826 * pm.mad
  ),
  flags as (
    select * from norm_flags
    union all
    select * from peer_flags
  )
  select
    null::bigint, $1, 'fuel_norm_check', 'vehicle', f.gov_number, f.month, (f.month + interval '1 month - 1 day')::date,
    round(f.observed, 2), round(f.expected::numeric, 2),
    case when f.excess >= p.sev_high then 'high' when f.excess >= p.sev_medium then 'medium' else 'low' end,
    round(greatest(f.rub_at_stake::numeric, 0), 2),
    f.details || jsonb_build_object('month', to_char(f.month, 'YYYY-MM'), 'excess_share', round(f.excess::numeric, 4)),
    now()
  from flags f
  cross join params p
  order by f.month, f.gov_number
$$;
comment on function fleet.anomaly_fuel_norm_check(text, date) is 'Rule fuel_norm_check: vehicle-months whose litres exceed the norm × km corrected for winter and age by > tolerance (rubles at the vehicle''s own price per litre); without litres or a norm, fuel rubles per km ≥ 30% and k·MAD above the same vehicle type''s median.';
--! EndIncluded anomaly_fuel_norm_check.sql
--! Included anomaly_idle_fuel.sql
-- Rule idle_fuel: fuel bought on days the vehicle did not move (vehicle-day km below
-- idle_fuel.max_km, 5 km) — the classic fuel-card theft pattern. Per vehicle-month: the idle days
-- with fuel, their rubles and litres; flagged from idle_fuel.min_days such days (a single top-up on
-- a day off is normal). Rubles at stake = the fuel rubles of those days.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_idle_fuel(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'idle_fuel.max_km') as max_km,
      fleet.setting($1, 'idle_fuel.min_days') as min_days,
      fleet.setting($1, 'idle_fuel.severity_medium') as sev_medium,
      fleet.setting($1, 'idle_fuel.severity_high') as sev_high
  ),
  candidate_days as (
    -- vehicle-days with a row buying fuel under max_km (a cheap filtered scan); the whole day is
    -- checked next (several drivers' rows may share a vehicle-day)
    select distinct e.gov_number, e.date
    from fleet.expenses e
    cross join params p
    where e.client_id = $1 and e.date <= $2 and e.fuel > 0 and e.daily_distance < p.max_km
  ),
  idle_days as (
    select c.gov_number, c.date, d.km, d.fuel_rub, d.liters
    from candidate_days c
    cross join lateral (
      select sum(x.daily_distance) as km, sum(x.fuel) as fuel_rub, sum(x.fuel_liters) as liters
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number and x.date = c.date
    ) d
    cross join params p
    where d.km < p.max_km and d.fuel_rub > 0
  ),
  flagged as (
    select
      i.gov_number,
      date_trunc('month', i.date::timestamp)::date as month,
      count(*) as idle_days,
      sum(i.fuel_rub) as idle_rub,
      sum(i.liters) as idle_liters,
      jsonb_agg(to_char(i.date, 'YYYY-MM-DD') order by i.date) as dates
    from idle_days i
    group by i.gov_number, 2
    having count(*) >= (select p.min_days from params p)
  ),
  vehicle_month as (
    -- the flagged vehicle-months' whole fuel and zero-km days (index range reads)
    select f.*, m.fuel_rub, m.zero_km_days
    from flagged f
    cross join lateral (
      select sum(y.fuel_rub) as fuel_rub, count(*) filter (where y.km < (select p.max_km from params p)) as zero_km_days
      from (
        select sum(x.fuel) as fuel_rub, sum(x.daily_distance) as km
        from fleet.expenses x
        where x.client_id = $1 and x.gov_number = f.gov_number
          and x.date >= f.month and x.date < (f.month + interval '1 month')::date and x.date <= $2
        group by x.date
      ) y
    ) m
  )
  select
    null::bigint, $1, 'idle_fuel', 'vehicle', vm.gov_number, vm.month, (vm.month + interval '1 month - 1 day')::date,
    round(vm.idle_rub, 2), 0::numeric,
    case when vm.idle_days >= p.sev_high then 'high' when vm.idle_days >= p.sev_medium then 'medium' else 'low' end,
    round(vm.idle_rub, 2),
    jsonb_build_object(
      'month', to_char(vm.month, 'YYYY-MM'),
      'idle_fuel_days', vm.idle_days,
      'idle_fuel_rub', round(vm.idle_rub, 2),
      'idle_fuel_liters', round(vm.idle_liters, 2),
      'month_fuel_rub', round(vm.fuel_rub, 2),
      'idle_share_of_fuel', round(vm.idle_rub / nullif(vm.fuel_rub, 0), 4),
      'zero_km_days', vm.zero_km_days,
      'max_km', p.max_km,
      'dates', vm.dates
    ),
    now()
  from vehicle_month vm
  cross join params p
  order by vm.month, vm.gov_number
$$;
comment on function fleet.anomaly_idle_fuel(text, date) is 'Rule idle_fuel: vehicle-months with fuel bought on ≥ min_days days without mileage (< max_km); rubles at stake = that fuel.';
--! EndIncluded anomaly_idle_fuel.sql
--! Included anomaly_driver_fines.sql
-- Rule driver_fines: drivers whose fines per 1,000 km are far above the client's other drivers —
-- above the median + k·MAD (scaled MAD) and at least min_ratio × the median — and whose fines per
-- working day are above the drivers' median too (a driver who simply drives more gets more fines
-- per day, not per km: not flagged). Over the client's whole data up to as_of; drivers with fewer
-- than min_km km are neither judged nor peers. Rubles at stake = fines − median rate × km / 1000.
-- Grain: one row per flagged driver (period = the driver's first to last day).
create or replace function fleet.anomaly_driver_fines(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'driver_fines.mad_k') as mad_k,
      fleet.setting($1, 'driver_fines.min_ratio') as min_ratio,
      fleet.setting($1, 'driver_fines.min_km') as min_km,
      fleet.setting($1, 'driver_fines.min_peers') as min_peers,
      fleet.setting($1, 'driver_fines.severity_medium') as sev_medium,
      fleet.setting($1, 'driver_fines.severity_high') as sev_high
  ),
  driver_month as (
    -- from the shared vehicle-driver-month intermediate (cached for the analyze transaction by
    -- fleet.expenses_cache_refresh): OR-ing the day masks of a driver's vehicles counts a day once
    select
      v.driver,
      v.month,
      sum(v.fines) as fines,
      sum(v.daily_distance) as km,
      bit_or(v.driven_mask) as worked_mask,
      bit_or(v.fine_mask) as fine_mask,
      bit_or(v.day_mask)::bit(32)::text as days
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    where v.driver <> ''
    group by v.driver, v.month
  ),
  driver_total as (
    -- bit d-1 of a mask = day d: the first day is the lowest set bit, the last the highest
    select
      dm.driver,
      sum(dm.fines) as fines,
      sum(dm.km) as km,
      sum(bit_count(dm.worked_mask::bit(32))) as working_days,
      sum(bit_count(dm.fine_mask::bit(32))) as fine_days,
      min(dm.month + (32 - length(rtrim(dm.days, '0')))) as first_date,
      max(dm.month + (length(ltrim(dm.days, '0')) - 1)) as last_date
    from driver_month dm
    group by dm.driver
  ),
  judged as (
    select
      d.*,
      d.fines / d.km * 1000 as per_1000km,
      d.fines / nullif(d.working_days, 0) as per_day
    from driver_total d
    cross join params p
    where d.km >= p.min_km
  ),
  stats as (
    select
      count(*) as drivers,
      percentile_cont(0.5) within group (order by j.per_1000km) as median,
      percentile_cont(0.5) within group (order by j.per_day) as median_per_day
    from judged j
  ),
  mad as (
    select percentile_cont(0.5) within group (order by abs(j.per_1000km - s.median)) as mad
    from judged j
    cross join stats s
  )
  select
    null::bigint, $1, 'driver_fines', 'driver', j.driver, j.first_date, j.last_date,
    round(j.per_1000km, 2), round(s.median::numeric, 2),
    case
      when j.per_1000km >= p.sev_high * s.median then 'high'
      when j.per_1000km >= p.sev_medium * s.median then 'medium'
      else 'low'
    end,
    round(greatest(j.fines - s.median::numeric * j.km / 1000, 0), 2),
    jsonb_build_object(
      'unit', 'rub_per_1000km',
      'fines_rub', round(j.fines, 2),
      'km', round(j.km, 1),
      'working_days', j.working_days,
      'fine_days', j.fine_days,
      'fines_per_1000km', round(j.per_1000km, 2),
      'median_per_1000km', round(s.median::numeric, 2),
      'mad_per_1000km', round(m.mad::numeric, 2),
      'fines_per_working_day', round(j.per_day, 2),
      'median_per_working_day', round(s.median_per_day::numeric, 2),
      'ratio_to_median', round(j.per_1000km / nullif(s.median::numeric, 0), 2),
      'drivers_compared', s.drivers
    ),
    now()
  from judged j
  cross join stats s
  cross join mad m
  cross join params p
  where s.drivers >= p.min_peers
    and s.median > 0
    and j.per_1000km > s.median + p.mad_k * 1.4826 * m.mad
    and j.per_1000km >= p.min_ratio * s.median
    and j.per_day > s.median_per_day
  order by j.driver
$$;
comment on function fleet.anomaly_driver_fines(text, date) is 'Rule driver_fines: drivers whose fines per 1,000 km exceed the drivers'' median + k·MAD and min_ratio × median (and whose fines per working day are above the median); rubles at stake = fines above the median rate.';
--! EndIncluded anomaly_driver_fines.sql
--! Included anomaly_odometer_check.sql
-- Rule odometer_check: impossible odometer readings and mileage, where the data has them. Per
-- vehicle, readings (odometer_km > 0) in date order (a day's rows by reading): a reading lower
-- than the previous one by more than the tolerance (rollback), or an advance of more than
-- max_km_per_day per elapsed day (jump); and any vehicle-day whose daily_distance exceeds
-- max_km_per_day (looked for among the days with a row above half of it).
-- Rubles at stake: for a jump, the km it adds beyond the reported daily_distance × the vehicle's
-- fuel rubles per km (the fuel such phantom km could justify); rollbacks and impossible daily
-- mileage carry no direct rubles (0) but are severity high / medium.
-- Grain: one row per flagged vehicle-day.
create or replace function fleet.anomaly_odometer_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'odometer_check.max_km_per_day') as max_km,
      fleet.setting($1, 'odometer_check.backwards_tolerance_km') as tol
  ),
  readings as (
    -- one pass over the rows in (gov_number, date) order (the primary key's order; rows of one day
    -- by their reading, so several drivers' rows of a day never look like a rollback)
    select
      e.gov_number, e.date, e.odometer_km as odometer,
      lag(e.odometer_km) over w as prev_odometer,
      lag(e.date) over w as prev_date
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2 and e.odometer_km > 0
    -- collate "C": the partition only groups, and byte order sorts twice as fast as a locale's
    window w as (partition by e.gov_number collate "C" order by e.date, e.odometer_km)
  ),
  flagged as (
    select r.*
    from readings r
    cross join params p
    where r.odometer - r.prev_odometer > p.max_km * greatest(r.date - r.prev_date, 1)
       or r.odometer < r.prev_odometer - p.tol
  ),
  reported_km as (
    -- km reported after the previous reading up to and including this day; the vehicle's fuel
    -- rubles per km (index range reads for the flagged vehicles only)
    select f.*, b.km_between, v.rub_per_km
    from flagged f
    cross join lateral (
      select coalesce(sum(x.daily_distance), 0) as km_between
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date > f.prev_date and x.date <= f.date
    ) b
    cross join lateral (
      select sum(x.fuel) / nullif(sum(x.daily_distance), 0) as rub_per_km
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date <= $2
    ) v
  ),
  mileage as (
    -- vehicle-days over max_km: checked where one of the day's rows has more than half of it
    select c.gov_number, c.date, d.km
    from (
      select distinct e.gov_number, e.date
      from fleet.expenses e
      cross join params p
      where e.client_id = $1 and e.date <= $2 and e.daily_distance > p.max_km / 2
    ) c
    cross join lateral (
      select sum(x.daily_distance) as km
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number and x.date = c.date
    ) d
    cross join params p
    where d.km > p.max_km
  ),
  events as (
    select
      rk.gov_number, rk.date,
      case when rk.odometer < rk.prev_odometer then 'backwards' else 'jump' end as kind,
      rk.odometer as observed,
      rk.prev_odometer + rk.km_between as expected,
      case when rk.odometer > rk.prev_odometer
        then greatest(rk.odometer - rk.prev_odometer - rk.km_between, 0) * coalesce(rk.rub_per_km, 0)
        else 0 end as rub_at_stake,
      jsonb_build_object(
        'reading_km', rk.odometer,
        'previous_reading_km', rk.prev_odometer,
        'previous_date', to_char(rk.prev_date, 'YYYY-MM-DD'),
        'delta_km', rk.odometer - rk.prev_odometer,
        'days', rk.date - rk.prev_date,
        'reported_km_between', rk.km_between,
        'fuel_rub_per_km', round(rk.rub_per_km, 3)
      ) as details
    from reported_km rk
    union all
    select
      m.gov_number, m.date, 'mileage', m.km, p.max_km, 0,
      jsonb_build_object('daily_distance_km', m.km)
    from mileage m
    cross join params p
  )
  select
    null::bigint, $1, 'odometer_check', 'vehicle', ev.gov_number, ev.date, ev.date,
    ev.observed, round(ev.expected, 1),
    case when ev.kind = 'backwards' then 'high' else 'medium' end,
    round(ev.rub_at_stake, 2),
    ev.details || jsonb_build_object('kind', ev.kind, 'max_km_per_day', p.max_km),
    now()
  from events ev
  cross join params p
  order by ev.date, ev.gov_number, ev.kind
$$;
comment on function fleet.anomaly_odometer_check(text, date) is 'Rule odometer_check: odometer rollbacks, advances above max_km_per_day per elapsed day, and daily_distance above max_km_per_day; rubles at stake = phantom km of a jump × the vehicle''s fuel rubles per km.';
--! EndIncluded anomaly_odometer_check.sql
--! Included anomaly_price_per_liter.sql
-- Rule price_per_liter: rubles per litre per vehicle-month (rows with both fuel rubles and litres)
-- against the median of the client's vehicle-months of the same month — of the same vehicle type
-- (a proxy of the fuel grade: diesel and petrol differ by ~15%) when the type has min_peers
-- vehicle-months that month, else of every vehicle. Flag a price above the median + k·MAD (scaled
-- MAD) and at least min_excess above the median (premium fuel, inflated receipts).
-- Rubles at stake = (price − median) × litres.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_price_per_liter(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'price_per_liter.mad_k') as mad_k,
      fleet.setting($1, 'price_per_liter.min_excess') as min_excess,
      fleet.setting($1, 'price_per_liter.min_peers') as min_peers,
      fleet.setting($1, 'price_per_liter.min_liters') as min_liters,
      fleet.setting($1, 'price_per_liter.severity_medium') as sev_medium,
      fleet.setting($1, 'price_per_liter.severity_high') as sev_high
  ),
  vehicle_month as (
    select
      e.gov_number,
      date_trunc('month', e.date::timestamp)::date as month,
      sum(e.fuel) as fuel_rub,
      sum(e.fuel_liters) as liters,
      max(e.vehicle_type) as expense_vehicle_type
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2 and e.fuel > 0 and e.fuel_liters > 0
    group by 1, 2
  ),
  priced as (
    select vm.gov_number, vm.month, vm.fuel_rub, vm.liters, vm.fuel_rub / vm.liters as price,
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') as vehicle_type
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    where vm.liters >= p.min_liters
  ),
  type_stats as (
    select pr.month, pr.vehicle_type, count(*) as peers, percentile_cont(0.5) within group (order by pr.price) as median
    from priced pr
    group by pr.month, pr.vehicle_type
  ),
  month_stats as (
    select pr.month, count(*) as peers, percentile_cont(0.5) within group (order by pr.price) as median
    from priced pr
    group by pr.month
  ),
  peer_group as (
    -- each vehicle-month's peer group: its type in the month, or the whole month
    select pr.*,
      case when ts.peers >= p.min_peers then 'vehicle_type' else 'client' end as peer_group,
      case when ts.peers >= p.min_peers then ts.peers else ms.peers end as peers,
      case when ts.peers >= p.min_peers then ts.median else ms.median end as median
    from priced pr
    cross join params p
    join type_stats ts using (month, vehicle_type)
    join month_stats ms using (month)
  ),
  type_mad as (
    select pr.month, pr.vehicle_type, percentile_cont(0.5) within group (order by abs(pr.price - ts.median)) as mad
    from priced pr
    join type_stats ts using (month, vehicle_type)
    group by pr.month, pr.vehicle_type
  ),
  month_mad as (
    select pr.month, percentile_cont(0.5) within group (order by abs(pr.price - ms.median)) as mad
    from priced pr
    join month_stats ms using (month)
    group by pr.month
  ),
  judged as (
    select pg.*, case when pg.peer_group = 'vehicle_type' then tm.mad else mm.mad end as mad
    from peer_group pg
    join type_mad tm using (month, vehicle_type)
    join month_mad mm using (month)
  )
  select
    null::bigint, $1, 'price_per_liter', 'vehicle', j.gov_number, j.month, (j.month + interval '1 month - 1 day')::date,
    round(j.price, 2), round(j.median::numeric, 2),
    case when j.price >= j.median * (1 + p.sev_high) then 'high' when j.price >= j.median * (1 + p.sev_medium) then 'medium' else 'low' end,
    round((j.price - j.median::numeric) * j.liters, 2),
    jsonb_build_object(
      'month', to_char(j.month, 'YYYY-MM'),
      'unit', 'rub_per_liter',
      'vehicle_type', j.vehicle_type,
      'fuel_rub', round(j.fuel_rub, 2),
      'liters', round(j.liters, 2),
      'price', round(j.price, 2),
      'median_price', round(j.median::numeric, 2),
      'mad_price', round(j.mad::numeric, 3),
      'excess_share', round(j.price / j.median::numeric - 1, 4),
      'peer_group', j.peer_group,
      'peers', j.peers
    ),
    now()
  from judged j
  cross join params p
  where j.price > j.median + p.mad_k * 1.4826 * j.mad
    and j.price >= j.median * (1 + p.min_excess)
  order by j.month, j.gov_number
$$;
comment on function fleet.anomaly_price_per_liter(text, date) is 'Rule price_per_liter: vehicle-months paying per litre more than the month''s median of the same vehicle type (else of the client) + k·MAD and ≥ min_excess above it; rubles at stake = excess price × litres.';
--! EndIncluded anomaly_price_per_liter.sql
--! Included anomaly_silent_assets.sql
-- Rule silent_assets: vehicles that stand still while they keep costing money — at least min_days
-- (21) consecutive days without kilometres (days without rows count as still; the run is bounded
-- by driven days or by the vehicle's first/last day in the data) during which costs were posted
-- (insurance, rent, tax, parking, amortization…). A still period whose repair-category costs
-- (fleet.expense_categories.counts_as_repair) are at least repair_share of its cash costs (all
-- costs except fuel and amortization) and at least repair_ratio × the vehicle's usual repair spend
-- for that many days (its average daily cost outside still periods × the repair share of the
-- vehicles examined; so a seasonal tyre change does not excuse a month of standing) is a repair
-- downtime, not flagged. Only vehicles whose months leave room for such a run are examined day by
-- day (a run of ≥ 21 days leaves ≥ 11 undriven days in a month it touches).
-- Rubles at stake = the period's costs other than repairs and fuel (fuel on idle days is
-- idle_fuel's).
-- Grain: one row per flagged still period of a vehicle.
-- fleet.client_repair_share: the repair-category share of spending up to as_of — of the client's
-- vehicles listed in gov_numbers (of all of them when null), in one pass over their rows. The
-- column list comes from fleet.expense_categories (counts_as_repair), quoted with %I — reference
-- data, never caller input.
drop function if exists fleet.client_repair_share(text, date);
create or replace function fleet.client_repair_share(client_id text, as_of date, gov_numbers text[] default null)
returns numeric
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_expr text;
  v_share numeric;
begin
  select string_agg(format('e.%I', ec.category), ' + ' order by ec.category) into v_expr
  from fleet.expense_categories ec
  join pg_attribute a
    on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped
  where ec.counts_as_repair;
  if v_expr is null then
    return 0;
  end if;
  execute format(
    'select sum(%s) / nullif(sum(e.total_cost), 0) from fleet.expenses e
     where e.client_id = $1 and e.date <= $2 and ($3 is null or e.gov_number = any ($3))', v_expr)
    into v_share using client_id, as_of, gov_numbers;
  return coalesce(v_share, 0);
end;
$fn$;
comment on function fleet.client_repair_share(text, date, text[]) is 'Share of spending (up to as_of) in repair categories (expense_categories.counts_as_repair) of the listed vehicles of a client (all when null); 0 without spending.';

-- fleet.vehicle_category_costs: a vehicle's spend per money category over a date range, one row
-- per category of fleet.expense_categories (one pass over the range's rows through the primary
-- key). Column names come from fleet.expense_categories, quoted with %I — reference data, never
-- caller input.
create or replace function fleet.vehicle_category_costs(client_id text, gov_number text, from_date date, to_date date)
returns table (category text, counts_as_repair boolean, amount numeric)
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_names text;
  v_sums text;
begin
  select string_agg(quote_literal(ec.category), ', ' order by ec.sort_order, ec.category),
         string_agg(format('coalesce(sum(e.%I), 0)', ec.category), ', ' order by ec.sort_order, ec.category)
    into v_names, v_sums
  from fleet.expense_categories ec
  join pg_attribute a
    on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped;
  if v_names is null then
    return;
  end if;
  return query execute format(
    'select x.category, ec.counts_as_repair, x.amount
     from (
       select unnest(array[%s]::text[]) as category, unnest(array[%s]::numeric[]) as amount
       from fleet.expenses e
       where e.client_id = $1 and e.gov_number = $2 and e.date between $3 and $4
     ) x
     join fleet.expense_categories ec on ec.category = x.category', v_names, v_sums)
    using client_id, gov_number, from_date, to_date;
end;
$fn$;
comment on function fleet.vehicle_category_costs(text, text, date, date) is 'A vehicle''s spend per money category (and whether it counts as repair) between two dates, inclusive.';

create or replace function fleet.anomaly_silent_assets(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'silent_assets.min_days') as min_days,
      fleet.setting($1, 'silent_assets.repair_share') as repair_share,
      fleet.setting($1, 'silent_assets.repair_ratio') as repair_ratio,
      fleet.setting($1, 'silent_assets.severity_medium') as sev_medium,
      fleet.setting($1, 'silent_assets.severity_high') as sev_high
  ),
  vehicle_month as (
    -- per vehicle-month from the shared vehicle-driver-month intermediate (cached for the analyze
    -- transaction by fleet.expenses_cache_refresh): driven days (a row with km > 0) and days with
    -- rows as bit masks of the month's days (bit d-1 = day d)
    select v.gov_number, v.month,
      bit_or(v.driven_mask) as driven_mask,
      bit_or(v.day_mask)::bit(32)::text as days
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    group by v.gov_number, v.month
  ),
  vehicle_span as (
    -- the first day is the lowest set bit of the first month, the last the highest of the last
    select vm.gov_number,
      min(vm.month + (32 - length(rtrim(vm.days, '0')))) as first_date,
      max(vm.month + (length(ltrim(vm.days, '0')) - 1)) as last_date
    from vehicle_month vm
    group by vm.gov_number
  ),
  candidates as materialized (
    -- vehicles that may have a still run: a run of ≥ min_days days leaves ≥ ceil(min_days / 2)
    -- undriven days (within the vehicle's span) in a month it touches, or skips a month of rows
    select distinct vm.gov_number
    from (
      select vm.*, lead(vm.month) over (partition by vm.gov_number collate "C" order by vm.month) as next_month
      from vehicle_month vm
    ) vm
    join vehicle_span vs using (gov_number)
    cross join params p
    where (least((vm.month + interval '1 month - 1 day')::date, vs.last_date) - greatest(vm.month, vs.first_date) + 1)
          - bit_count(vm.driven_mask::bit(32)) >= ceil(p.min_days / 2.0)
       or vm.next_month > (vm.month + interval '1 month')::date
  ),
  marks as (
    -- the candidates' driven days, plus a virtual driven day just outside each end of their data
    select c.gov_number, d.date
    from candidates c
    cross join lateral (
      select distinct e.date
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = c.gov_number and e.date <= $2 and e.daily_distance > 0
    ) d
    union all
    select vs.gov_number, unnest(array[vs.first_date - 1, vs.last_date + 1])
    from vehicle_span vs
    where vs.gov_number in (select c.gov_number from candidates c)
  ),
  gaps as (
    -- collate "C": the partition only groups, and byte order sorts twice as fast as a locale's
    select m.gov_number, m.date + 1 as start_date, lead(m.date) over (partition by m.gov_number collate "C" order by m.date) - 1 as end_date
    from marks m
  ),
  still as (
    select g.gov_number, g.start_date, g.end_date, g.end_date - g.start_date + 1 as days
    from gaps g
    cross join params p
    where g.end_date - g.start_date + 1 >= p.min_days
  ),
  costs as (
    select
      s.gov_number, s.start_date, s.end_date, s.days,
      c.total, c.fuel, c.amortization, k.repair, k.categories, c.rows
    from still s
    cross join lateral (
      select
        coalesce(sum(r.total_cost), 0) as total,
        coalesce(sum(r.fuel), 0) as fuel,
        coalesce(sum(r.amortization), 0) as amortization,
        count(distinct r.date) as rows
      from fleet.expenses r
      where r.client_id = $1 and r.gov_number = s.gov_number and r.date between s.start_date and s.end_date
    ) c
    cross join lateral (
      select
        coalesce(sum(x.amount) filter (where x.counts_as_repair), 0) as repair,
        jsonb_object_agg(x.category, round(x.amount, 2) order by x.category) filter (where x.amount <> 0) as categories
      from fleet.vehicle_category_costs($1, s.gov_number, s.start_date, s.end_date) x
    ) k
  ),
  client_repair as materialized (
    select fleet.client_repair_share($1, $2, array(select c.gov_number from candidates c)) as repair_share_of_total
  ),
  vehicle_repair as (
    -- the vehicle's usual repair spend per day: its average daily cost outside its still periods
    -- (all its days minus the still ones) × the client's repair share; index range reads for the
    -- vehicles with a still period only
    select v.gov_number,
      (x.total - v.still_total) / nullif(x.days - v.still_days, 0) * coalesce(cr.repair_share_of_total, 0) as repair_per_day
    from (select c.gov_number, sum(c.total) as still_total, sum(c.rows) as still_days from costs c group by c.gov_number) v
    cross join client_repair cr
    cross join lateral (
      select sum(e.total_cost) as total, count(distinct e.date) as days
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = v.gov_number and e.date <= $2
    ) x
  ),
  totals as (
    select c.*, c.total as total_cost, c.fuel as fuel_cost, c.amortization as amortization_cost, vr.repair_per_day
    from costs c
    left join vehicle_repair vr using (gov_number)
  )
  select
    null::bigint, $1, 'silent_assets', 'vehicle', t.gov_number, t.start_date, t.end_date,
    t.days, p.min_days,
    case when t.days >= p.sev_high then 'high' when t.days >= p.sev_medium then 'medium' else 'low' end,
    round(t.total_cost - t.repair - t.fuel_cost, 2),
    jsonb_build_object(
      'days', t.days,
      'days_with_rows', t.rows,
      'costs_rub', round(t.total_cost, 2),
      'repair_rub', round(t.repair, 2),
      'fuel_rub', round(t.fuel_cost, 2),
      'amortization_rub', round(t.amortization_cost, 2),
      'idle_costs_rub', round(t.total_cost - t.repair - t.fuel_cost, 2),
      'usual_repair_rub', round(coalesce(t.repair_per_day, 0) * t.days, 2),
      'repair_share', round(t.repair / nullif(t.total_cost - t.fuel_cost - t.amortization_cost, 0), 4),
      'categories', coalesce(t.categories, '{}'::jsonb)
    ),
    now()
  from totals t
  cross join params p
  where t.total_cost - t.repair - t.fuel_cost > 0
    and not (
      t.repair >= p.repair_share * (t.total_cost - t.fuel_cost - t.amortization_cost)
      and t.repair >= p.repair_ratio * coalesce(t.repair_per_day, 0) * t.days
    )
  order by t.start_date, t.gov_number
$$;
comment on function fleet.anomaly_silent_assets(text, date) is 'Rule silent_assets: runs of ≥ min_days days without km while non-repair costs are posted (repair downtimes excluded by repair_share); rubles at stake = those costs.';
--! EndIncluded anomaly_silent_assets.sql
--! Included anomaly_budget_burn.sql
-- Rule budget_burn and its month plan. fleet.budget_burn_months: for the year of the client's
-- latest expense (up to as_of), one row per calendar month with the actual spend so far and a
-- forecast for the rest of the year — a run-rate: the mean of the latest recent_months complete
-- months, seasonally adjusted by the previous year's month profile when that year has all 12
-- months (else flat); a month only partly covered by the data gets the forecast for its uncovered
-- days. The cumulative spend shows the month the annual plan (clients.year_budget) is exceeded.
-- fleet.anomaly_budget_burn: one client-level finding when the projected year total exceeds the
-- budget; rubles at stake = projected total − budget.
-- Grain: budget_burn_months one row per month of the year; the rule at most one row per client.
create or replace function fleet.budget_burn_months(client_id text, as_of date)
returns table (
  year int,
  month date,
  actual numeric,
  forecast numeric,
  projected numeric,
  cumulative numeric,
  budget numeric,
  covered_share numeric,
  seasonal_factor numeric,
  run_rate numeric,
  last_date date,
  seasonal boolean
)
language sql stable
as $$
  with params as materialized (
    select fleet.setting($1, 'budget_burn.recent_months')::int as recent_months
  ),
  span as (
    select max(e.date) as last_date, min(e.date) as first_date
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2
  ),
  months as (
    select m.month, m.total_cost
    from fleet.expenses_by_month($1, $2) m
  ),
  yr as (
    select extract(year from s.last_date)::int as year, s.last_date, s.first_date,
      date_trunc('month', s.last_date::timestamp)::date as last_month,
      (s.last_date = (date_trunc('month', s.last_date::timestamp) + interval '1 month - 1 day')::date) as last_month_complete
    from span s
    where s.last_date is not null
  ),
  prev_year as (
    -- the previous year's month profile, when it is complete (12 months, data from its 1 January)
    select extract(month from m.month)::int as mm, m.total_cost / avg(m.total_cost) over () as factor,
      count(*) over () as n
    from months m
    cross join yr
    where extract(year from m.month)::int = yr.year - 1 and yr.first_date <= make_date(yr.year - 1, 1, 1)
  ),
  profile as (
    select g.mm,
      coalesce((select pv.factor from prev_year pv where pv.mm = g.mm and pv.n = 12 and pv.factor > 0), 1) as factor,
      exists (select 1 from prev_year pv where pv.n = 12) as seasonal
    from generate_series(1, 12) g (mm)
  ),
  recent as (
    -- the latest complete months, deseasonalised
    select m.month, m.total_cost / pr.factor as deseasonalised
    from months m
    cross join yr
    join profile pr on pr.mm = extract(month from m.month)::int
    where m.month < yr.last_month or yr.last_month_complete
    order by m.month desc
    limit (select p.recent_months from params p)
  ),
  rate as (
    select coalesce(avg(r.deseasonalised), 0) as run_rate from recent r
  ),
  calendar as (
    select make_date(yr.year, g.mm, 1) as month, g.mm, yr.year, yr.last_date, yr.last_month
    from yr
    cross join generate_series(1, 12) g (mm)
  ),
  planned as (
    select
      c.year, c.month, c.last_date,
      coalesce(m.total_cost, 0) as actual,
      case
        when c.month < c.last_month then 1::numeric
        when c.month = c.last_month then (extract(day from c.last_date)::numeric / extract(day from (c.month + interval '1 month - 1 day'))::numeric)
        else 0::numeric
      end as covered_share,
      pr.factor as seasonal_factor,
      pr.seasonal,
      r.run_rate
    from calendar c
    join profile pr on pr.mm = c.mm
    cross join rate r
    left join months m on m.month = c.month
  )
  select
    p.year, p.month, round(p.actual, 2),
    round(p.run_rate * p.seasonal_factor * (1 - p.covered_share), 2) as forecast,
    round(p.actual + p.run_rate * p.seasonal_factor * (1 - p.covered_share), 2) as projected,
    round(sum(p.actual + p.run_rate * p.seasonal_factor * (1 - p.covered_share)) over (order by p.month), 2) as cumulative,
    (select nullif(cl.year_budget, 0) from fleet.clients cl where cl.client_id = $1),
    round(p.covered_share, 4), round(p.seasonal_factor, 4), round(p.run_rate, 2), p.last_date, p.seasonal
  from planned p
  order by p.month
$$;
comment on function fleet.budget_burn_months(text, date) is 'The year of the client''s latest data, month by month: actual spend, run-rate forecast for the uncovered rest (seasonal when the previous year is complete), cumulative projection and the annual budget.';

create or replace function fleet.anomaly_budget_burn(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'budget_burn.severity_medium') as sev_medium,
      fleet.setting($1, 'budget_burn.severity_high') as sev_high
  ),
  plan as (
    select * from fleet.budget_burn_months($1, $2)
  ),
  summary as (
    select
      max(p.year) as year,
      max(p.budget) as budget,
      sum(p.actual) as ytd,
      sum(p.projected) as projected_total,
      max(p.last_date) as last_date,
      min(p.month) filter (where p.cumulative > p.budget) as exceeds_in,
      bool_or(p.seasonal) as seasonal,
      max(p.run_rate) as run_rate
    from plan p
  )
  select
    null::bigint, $1, 'budget_burn', 'client', $1, make_date(s.year, 1, 1), make_date(s.year, 12, 31),
    round(s.projected_total, 2), s.budget,
    case
      when s.projected_total >= s.budget * (1 + pa.sev_high) then 'high'
      when s.projected_total >= s.budget * (1 + pa.sev_medium) then 'medium'
      else 'low'
    end,
    round(s.projected_total - s.budget, 2),
    jsonb_build_object(
      'year', s.year::text,
      'budget', s.budget,
      'ytd', round(s.ytd, 2),
      'through', to_char(s.last_date, 'YYYY-MM-DD'),
      'projected_total', round(s.projected_total, 2),
      'overrun_rub', round(s.projected_total - s.budget, 2),
      'overrun_share', round(s.projected_total / s.budget - 1, 4),
      'exceeds_in', to_char(s.exceeds_in, 'YYYY-MM'),
      'already_exceeded', s.ytd > s.budget,
      'run_rate', round(s.run_rate, 2),
      'seasonal', s.seasonal
    ),
    now()
  from summary s
  cross join params pa
  where s.budget is not null and s.projected_total > s.budget
$$;
comment on function fleet.anomaly_budget_burn(text, date) is 'Rule budget_burn: one client finding when the year''s actual + run-rate forecast exceeds clients.year_budget; rubles at stake = the projected overrun, details the month it is exceeded.';
--! EndIncluded anomaly_budget_burn.sql
--! Included anomaly_data_quality.sql
-- Rule data_quality: findings about the data itself. (1) vehicles with expense rows but no row in
-- fleet.vehicles (money paid for an asset that is not on the register; rubles = their spend) — or,
-- when the client has no vehicle register at all, one client finding; (2) runs of at least
-- min_gap_days calendar days inside the client's data range without any expense row.
-- Grain: one row per unregistered vehicle, one per gap.
create or replace function fleet.anomaly_data_quality(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select fleet.setting($1, 'data_quality.min_gap_days') as min_gap_days
  ),
  vehicle_month as (
    -- from the shared vehicle-driver-month intermediate (cached for the analyze transaction by
    -- fleet.expenses_cache_refresh); day_mask bit d-1 = a row on day d
    select v.gov_number, v.month, sum(v.total_cost) as total, sum(v.expense_rows) as rows,
      bit_or(v.day_mask) as day_mask
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    group by v.gov_number, v.month
  ),
  expense_vehicles as (
    select vm.gov_number,
      min(vm.month + (32 - length(rtrim(vm.day_mask::bit(32)::text, '0')))) as first_date,
      max(vm.month + (length(ltrim(vm.day_mask::bit(32)::text, '0')) - 1)) as last_date,
      sum(vm.total) as total, sum(vm.rows) as rows
    from vehicle_month vm
    group by vm.gov_number
  ),
  register as (
    select count(*) as vehicles from fleet.vehicles v where v.client_id = $1
  ),
  unregistered as (
    select ev.*
    from expense_vehicles ev
    where not exists (select 1 from fleet.vehicles v where v.client_id = $1 and v.gov_number = ev.gov_number)
  ),
  days as (
    -- the client's days with any row: the months' OR-ed day masks expanded to dates
    select m.month + (d.i - 1) as date
    from (select vm.month, bit_or(vm.day_mask) as day_mask from vehicle_month vm group by vm.month) m
    cross join generate_series(1, 31) d (i)
    where (m.day_mask >> (d.i - 1)) & 1 = 1
  ),
  gaps as (
    select d.date + 1 as start_date, lead(d.date) over (order by d.date) - 1 as end_date
    from days d
  )
  select
    null::bigint, $1, 'data_quality', 'vehicle', u.gov_number, u.first_date, u.last_date,
    u.rows, 0, 'medium', round(u.total, 2),
    jsonb_build_object('issue', 'vehicle_not_in_register', 'expense_rows', u.rows, 'spend_rub', round(u.total, 2)),
    now()
  from unregistered u
  cross join register r
  where r.vehicles > 0
  union all
  select
    null::bigint, $1, 'data_quality', 'client', $1, min(ev.first_date), max(ev.last_date),
    count(*), 0, 'medium', 0,
    jsonb_build_object('issue', 'no_vehicle_register', 'vehicles_in_expenses', count(*)),
    now()
  from expense_vehicles ev
  cross join register r
  where r.vehicles = 0
  having count(*) > 0
  union all
  select
    null::bigint, $1, 'data_quality', 'client', $1, g.start_date, g.end_date,
    g.end_date - g.start_date + 1, 0, 'low', 0,
    jsonb_build_object('issue', 'days_without_data', 'days', g.end_date - g.start_date + 1),
    now()
  from gaps g
  cross join params p
  where g.end_date - g.start_date + 1 >= p.min_gap_days
$$;
comment on function fleet.anomaly_data_quality(text, date) is 'Rule data_quality: vehicles in expenses but not in fleet.vehicles (rubles = their spend), a missing vehicle register, and runs of ≥ min_gap_days days without any expense row.';
--! EndIncluded anomaly_data_quality.sql
--! Included refresh_anomalies.sql
-- The rule registry rows and fleet.refresh_anomalies: replace a client's findings with what every
-- enabled rule of fleet.anomaly_rules finds now, in sort_order. Each rule's function comes from the
-- registry as a regprocedure (validated when the row was written), so no identifier is built from
-- text. Called by the analyze runner inside its transaction, before the JSON analyses that read
-- fleet.anomalies.
alter table fleet.anomaly_rules add column if not exists in_total boolean not null default true;
comment on column fleet.anomaly_rules.in_total is 'Whether the rule''s rubles at stake count in the headline total of anomaly_summary (waste and fraud do; the budget projection and data quality do not).';

insert into fleet.anomaly_rules (rule, fn, enabled, sort_order, description, in_total) values
  ('high_salary', 'fleet.anomaly_high_salary(text,date)', true, 10, 'Driver-months paid above the Tukey far-out fence of the month''s salaries', true),
  ('fuel_norm_check', 'fleet.anomaly_fuel_norm_check(text,date)', true, 20, 'Vehicle-months using more fuel than the corrected norm (or than same-type peers per km)', true),
  ('idle_fuel', 'fleet.anomaly_idle_fuel(text,date)', true, 30, 'Fuel bought on days without mileage', true),
  ('driver_fines', 'fleet.anomaly_driver_fines(text,date)', true, 40, 'Drivers with fines per 1,000 km far above the other drivers', true),
  ('odometer_check', 'fleet.anomaly_odometer_check(text,date)', true, 50, 'Odometer rollbacks, impossible jumps and daily mileage', true),
  ('price_per_liter', 'fleet.anomaly_price_per_liter(text,date)', true, 60, 'Vehicle-months paying far more per litre than peers', true),
  ('silent_assets', 'fleet.anomaly_silent_assets(text,date)', true, 70, 'Vehicles standing ≥ 21 days while costs are posted', true),
  ('budget_burn', 'fleet.anomaly_budget_burn(text,date)', true, 80, 'Projected annual spend above the budget', false),
  ('data_quality', 'fleet.anomaly_data_quality(text,date)', true, 90, 'Unregistered vehicles, days without data', false)
on conflict (rule) do update
  set fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description, in_total = excluded.in_total;

create or replace function fleet.refresh_anomalies(client_id text, as_of date)
returns int
language plpgsql volatile
set search_path = pg_catalog, pg_temp
-- each rule is a handful of scans and sorts: JIT compilation costs more than it saves here
set jit = off
as $$
declare
  v_rule record;
  v_rows int;
  v_total int := 0;
begin
  delete from fleet.anomalies a where a.client_id = refresh_anomalies.client_id;
  for v_rule in
    select r.rule, r.fn from fleet.anomaly_rules r where r.enabled order by r.sort_order, r.rule
  loop
    execute format(
      'insert into fleet.anomalies (client_id, rule, subject_kind, subject, period_start, period_end, observed, expected, severity, rub_at_stake, details)
       select f.client_id, f.rule, f.subject_kind, f.subject, f.period_start, f.period_end, f.observed, f.expected, f.severity, f.rub_at_stake, f.details
       from %s($1, $2) f',
      v_rule.fn::regproc
    ) using client_id, as_of;
    get diagnostics v_rows = row_count;
    v_total := v_total + v_rows;
  end loop;
  return v_total;
end;
$$;
comment on function fleet.refresh_anomalies(text, date) is 'Replace the client''s fleet.anomalies with the findings of every enabled rule of fleet.anomaly_rules as of a date; returns the number of findings.';
--! EndIncluded refresh_anomalies.sql
--! Included anomaly_rule_json.sql
-- fleet.anomaly_rule_json: the common JSON of a rule's findings (the per-rule analyses
-- fuel_norm_check, idle_fuel, driver_fines, odometer_check, price_per_liter, silent_assets), built
-- from fleet.anomalies — totals, counts by severity, rubles by month, the client's effective
-- thresholds, and the findings ranked by rubles at stake. {} when the client has no expense rows.
-- Shape documented in docs/ANOMALIES.md. Grain: one JSON object per client and rule.
create or replace function fleet.anomaly_rule_json(client_id text, rule text, as_of date, max_items int default 1000)
returns json
language sql stable
as $$
  with findings as (
    select a.*
    from fleet.anomalies a
    where a.client_id = $1 and a.rule = $2
  ),
  ranked as (
    select f.*, row_number() over (order by f.rub_at_stake desc, f.period_start, f.subject, f.anomaly_id) as rank
    from findings f
  ),
  by_month as (
    select to_char(f.period_start, 'YYYY-MM') as ym, count(*) as findings, sum(f.rub_at_stake) as rub
    from findings f
    group by 1
  ),
  settings as (
    select json_object_agg(substr(s.key, length($2) + 2), fleet.setting_json($1, s.key) order by s.key) as j
    from fleet.settings s
    where s.key like $2 || '.%'
  )
  select case when not exists (select 1 from fleet.expenses e where e.client_id = $1 and e.date <= $3) then '{}'::json
  else json_build_object(
    'rule', $2,
    'findings', (select count(*) from findings),
    'subjects', (select count(distinct f.subject) from findings f),
    'rub_at_stake', (select coalesce(sum(f.rub_at_stake), 0) from findings f),
    'by_severity', json_build_object(
      'high', (select count(*) from findings f where f.severity = 'high'),
      'medium', (select count(*) from findings f where f.severity = 'medium'),
      'low', (select count(*) from findings f where f.severity = 'low')
    ),
    'by_month', coalesce((select json_object_agg(m.ym, json_build_object('findings', m.findings, 'rub_at_stake', m.rub) order by m.ym) from by_month m), '{}'::json),
    'settings', coalesce((select s.j from settings s), '{}'::json),
    'items_total', (select count(*) from findings),
    'items', coalesce((
      select json_agg(json_build_object(
          'subject_kind', r.subject_kind,
          'subject', r.subject,
          'period_start', to_char(r.period_start, 'YYYY-MM-DD'),
          'period_end', to_char(r.period_end, 'YYYY-MM-DD'),
          'observed', r.observed,
          'expected', r.expected,
          'severity', r.severity,
          'rub_at_stake', r.rub_at_stake,
          'details', r.details
        ) order by r.rank)
      from ranked r
      where r.rank <= $4
    ), '[]'::json)
  ) end
$$;
comment on function fleet.anomaly_rule_json(text, text, date, int) is 'Common JSON of one rule''s findings for a client (totals, by severity, by month, thresholds, items ranked by rubles at stake, at most max_items); {} without expense rows.';
--! EndIncluded anomaly_rule_json.sql
--! Included analysis_fuel_norm_check.sql
-- fuel_norm_check (new analysis, docs/ANOMALIES.md): the client's fuel_norm_check findings from fleet.anomalies
-- (Vehicle-months using more fuel than the corrected norm (or than same-type peers per km)), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_fuel_norm_check(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'fuel_norm_check', $2)
$$;
comment on function fleet.analysis_fuel_norm_check(text, date) is 'fuel_norm_check: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_fuel_norm_check.sql
--! Included analysis_idle_fuel.sql
-- idle_fuel (new analysis, docs/ANOMALIES.md): the client's idle_fuel findings from fleet.anomalies
-- (Fuel bought on days without mileage), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_idle_fuel(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'idle_fuel', $2)
$$;
comment on function fleet.analysis_idle_fuel(text, date) is 'idle_fuel: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_idle_fuel.sql
--! Included analysis_driver_fines.sql
-- driver_fines (new analysis, docs/ANOMALIES.md): the client's driver_fines findings from fleet.anomalies
-- (Drivers with fines per 1,000 km far above the other drivers), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_driver_fines(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'driver_fines', $2)
$$;
comment on function fleet.analysis_driver_fines(text, date) is 'driver_fines: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_driver_fines.sql
--! Included analysis_odometer_check.sql
-- odometer_check (new analysis, docs/ANOMALIES.md): the client's odometer_check findings from fleet.anomalies
-- (Odometer rollbacks, impossible jumps and daily mileage), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_odometer_check(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'odometer_check', $2)
$$;
comment on function fleet.analysis_odometer_check(text, date) is 'odometer_check: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_odometer_check.sql
--! Included analysis_price_per_liter.sql
-- price_per_liter (new analysis, docs/ANOMALIES.md): the client's price_per_liter findings from fleet.anomalies
-- (Vehicle-months paying far more per litre than peers), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_price_per_liter(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'price_per_liter', $2)
$$;
comment on function fleet.analysis_price_per_liter(text, date) is 'price_per_liter: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_price_per_liter.sql
--! Included analysis_silent_assets.sql
-- silent_assets (new analysis, docs/ANOMALIES.md): the client's silent_assets findings from fleet.anomalies
-- (Vehicles standing ≥ 21 days while costs are posted), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_silent_assets(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'silent_assets', $2)
$$;
comment on function fleet.analysis_silent_assets(text, date) is 'silent_assets: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
--! EndIncluded analysis_silent_assets.sql
--! Included analysis_budget_burn.sql
-- budget_burn (new analysis, docs/ANOMALIES.md): the year of the client's latest data against its
-- annual plan — spend to date, a run-rate forecast (seasonal when the previous year is complete) to
-- the year end, the month the plan is (or will be) exceeded and by how much; month by month with
-- the linear plan pace. Computed by fleet.budget_burn_months (the same plan the budget_burn rule
-- uses); budget null when the client has none. Grain: one JSON object per client.
create or replace function fleet.analysis_budget_burn(client_id text, as_of date)
returns json
language sql stable
as $$
  with plan as (
    select * from fleet.budget_burn_months($1, $2)
  ),
  summary as (
    select
      max(p.year) as year,
      max(p.budget) as budget,
      sum(p.actual) as ytd,
      sum(p.projected) as projected_total,
      max(p.last_date) as last_date,
      min(p.month) filter (where p.cumulative > p.budget) as exceeds_in,
      bool_or(p.seasonal) as seasonal,
      max(p.run_rate) as run_rate
    from plan p
  )
  select case when not exists (select 1 from plan) then '{}'::json
  else (
    select json_build_object(
      'year', s.year::text,
      'budget', s.budget,
      'through', to_char(s.last_date, 'YYYY-MM-DD'),
      'ytd', s.ytd,
      'ytd_share', (s.ytd / s.budget)::float8,
      'projected_total', s.projected_total,
      'projected_share', (s.projected_total / s.budget)::float8,
      'overrun', case when s.budget is null then null else greatest(s.projected_total - s.budget, 0) end,
      'exceeds_in', to_char(s.exceeds_in, 'YYYY-MM'),
      'already_exceeded', case when s.budget is null then null else s.ytd > s.budget end,
      'method', json_build_object(
        'kind', 'run_rate',
        'recent_months', fleet.setting($1, 'budget_burn.recent_months'),
        'seasonal', s.seasonal,
        'run_rate', s.run_rate
      ),
      'months', (
        select json_object_agg(
          to_char(p.month, 'YYYY-MM'),
          json_build_object(
            'actual', p.actual,
            'forecast', p.forecast,
            'projected', p.projected,
            'cumulative', p.cumulative,
            'plan_cumulative', round(p.budget * extract(month from p.month) / 12, 2),
            'covered_share', p.covered_share::float8
          )
          order by p.month
        )
        from plan p
      )
    )
    from summary s
  ) end
$$;
comment on function fleet.analysis_budget_burn(text, date) is 'budget_burn: year-to-date spend vs clients.year_budget, run-rate forecast to the year end, the month the plan is exceeded and the overrun.';
--! EndIncluded analysis_budget_burn.sql
--! Included analysis_data_quality.sql
-- data_quality (new analysis, docs/ANOMALIES.md): what the client's data is worth — per source
-- (file or database) its latest load: rows read / loaded / duplicate / rejected, unknown columns,
-- reject reasons (fleet.loads, fleet.load_rejects); vehicles present in expenses but missing in
-- fleet.vehicles and runs of days without data (the data_quality findings of fleet.anomalies); the
-- coverage of the date range. Latest load per source, without timestamps or load ids, so
-- reloading an unchanged source leaves the JSON byte-identical. {} when the client has neither
-- expense rows nor loads. Grain: one JSON object per client.
create or replace function fleet.analysis_data_quality(client_id text, as_of date)
returns json
language sql stable
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
  month_days as (
    -- from the shared vehicle-driver-month intermediate (cached in the analyze transaction): the
    -- client's days with rows per month as one OR-ed bit mask (bit d-1 = day d)
    select v.month, bit_or(v.day_mask)::bit(32) as days, sum(v.expense_rows) as rows,
      array_agg(distinct v.gov_number) as vehicles
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    group by v.month
  ),
  coverage as (
    select
      min(m.month + (32 - length(rtrim(m.days::text, '0')))) as first_date,
      max(m.month + (length(ltrim(m.days::text, '0')) - 1)) as last_date,
      coalesce(sum(bit_count(m.days)), 0) as days_with_data,
      (select count(distinct g) from month_days m2 cross join unnest(m2.vehicles) g) as vehicles_in_expenses,
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
--! EndIncluded analysis_data_quality.sql
--! Included analysis_anomaly_summary.sql
-- anomaly_summary (new analysis, docs/ANOMALIES.md): the dashboard headline of fleet.anomalies —
-- rubles at stake in total (rules with anomaly_rules.in_total: waste and fraud; the budget
-- projection and data quality are shown but not added), per rule ranked by rubles, the budget
-- finding, and the top 20 findings by rubles at stake. {} when the client has no expense rows.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_anomaly_summary(client_id text, as_of date)
returns json
language sql stable
as $$
  with findings as (
    select a.*, r.in_total, r.sort_order, r.description
    from fleet.anomalies a
    join fleet.anomaly_rules r using (rule)
    where a.client_id = $1
  ),
  by_rule as (
    select r.rule, r.in_total, r.sort_order, r.description,
      count(f.anomaly_id) as findings,
      count(distinct f.subject) as subjects,
      coalesce(sum(f.rub_at_stake), 0) as rub,
      count(*) filter (where f.severity = 'high') as high,
      count(*) filter (where f.severity = 'medium') as medium,
      count(*) filter (where f.severity = 'low') as low
    from fleet.anomaly_rules r
    left join findings f using (rule)
    where r.enabled
    group by r.rule, r.in_total, r.sort_order, r.description
  ),
  top as (
    select f.*, row_number() over (order by f.rub_at_stake desc, f.sort_order, f.period_start, f.subject, f.anomaly_id) as rank
    from findings f
    where f.in_total
  )
  select case when not exists (select 1 from fleet.expenses e where e.client_id = $1 and e.date <= $2) then '{}'::json
  else json_build_object(
    'total_rub_at_stake', (select coalesce(sum(f.rub_at_stake), 0) from findings f where f.in_total),
    'findings', (select count(*) from findings f where f.in_total),
    'vehicles_flagged', (select count(distinct f.subject) from findings f where f.in_total and f.subject_kind = 'vehicle'),
    'drivers_flagged', (select count(distinct f.subject) from findings f where f.in_total and f.subject_kind = 'driver'),
    'by_rule', (
      select json_object_agg(b.rule, json_build_object(
          'findings', b.findings,
          'subjects', b.subjects,
          'rub_at_stake', b.rub,
          'high', b.high,
          'medium', b.medium,
          'low', b.low,
          'in_total', b.in_total,
          'description', b.description
        ) order by b.in_total desc, b.rub desc, b.sort_order)
      from by_rule b
    ),
    'budget', (
      select json_build_object('severity', f.severity, 'projected_overrun', f.rub_at_stake, 'exceeds_in', f.details ->> 'exceeds_in',
        'projected_total', f.observed, 'budget', f.expected)
      from findings f
      where f.rule = 'budget_burn'
      order by f.period_start desc
      limit 1
    ),
    'top', coalesce((
      select json_agg(json_build_object(
          'rank', t.rank,
          'rule', t.rule,
          'subject_kind', t.subject_kind,
          'subject', t.subject,
          'period_start', to_char(t.period_start, 'YYYY-MM-DD'),
          'period_end', to_char(t.period_end, 'YYYY-MM-DD'),
          'severity', t.severity,
          'observed', t.observed,
          'expected', t.expected,
          'rub_at_stake', t.rub_at_stake
        ) order by t.rank)
      from top t
      where t.rank <= 20
    ), '[]'::json)
  ) end
$$;
comment on function fleet.analysis_anomaly_summary(text, date) is 'anomaly_summary: rubles at stake in total and per rule, the budget finding, and the top 20 findings by rubles at stake.';
--! EndIncluded analysis_anomaly_summary.sql
--! Included analysis_registry_rules.sql
-- Registry rows of the anomaly analyses (docs/ANOMALIES.md): their analysis_types (sort_order 200+,
-- after the old system's analyses) and the industry matrix rows — every industry gets them. Only
-- these rows are written (upserts); nobody else's rows are touched.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('anomaly_summary', 'sql', 'fleet.analysis_anomaly_summary(text,date)', 200, 'Rubles at stake per rule and the top 20 findings (dashboard headline)'),
  ('fuel_norm_check', 'sql', 'fleet.analysis_fuel_norm_check(text,date)', 201, 'Fuel litres against the vehicle norm (winter and age corrections), or rubles per km against same-type peers'),
  ('idle_fuel', 'sql', 'fleet.analysis_idle_fuel(text,date)', 202, 'Fuel bought on days without mileage, per vehicle-month'),
  ('driver_fines', 'sql', 'fleet.analysis_driver_fines(text,date)', 203, 'Drivers with fines per 1,000 km far above the other drivers'),
  ('odometer_check', 'sql', 'fleet.analysis_odometer_check(text,date)', 204, 'Odometer rollbacks, impossible jumps, impossible daily mileage'),
  ('price_per_liter', 'sql', 'fleet.analysis_price_per_liter(text,date)', 205, 'Rubles per litre against the month''s peers, per vehicle-month'),
  ('silent_assets', 'sql', 'fleet.analysis_silent_assets(text,date)', 206, 'Vehicles standing ≥ 21 days while costs are posted'),
  ('budget_burn', 'sql', 'fleet.analysis_budget_burn(text,date)', 207, 'Year-to-date spend vs the annual plan, forecast to the year end, the month the plan is exceeded'),
  ('data_quality', 'sql', 'fleet.analysis_data_quality(text,date)', 208, 'Per load read/loaded/rejected rows and unknown columns; unregistered vehicles; days without data')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

insert into fleet.analyses (industry, analysis_type)
select i.code, t.analysis_type
from fleet.industries i
cross join (values
  ('anomaly_summary'), ('fuel_norm_check'), ('idle_fuel'), ('driver_fines'), ('odometer_check'),
  ('price_per_liter'), ('silent_assets'), ('budget_burn'), ('data_quality')
) t (analysis_type)
on conflict do nothing;

-- New analyses and rules: every client is due for re-analysis (the sweep compares this version).
update fleet.meta set value = (value::int + 1)::text where key = 'analyses_version';
--! EndIncluded analysis_registry_rules.sql
