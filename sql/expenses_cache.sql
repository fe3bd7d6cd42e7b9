-- Reading the roll-ups (sql/expense_rollups.sql) as of a date, and the per-transaction cache of the
-- as_of month. A month is complete for an as_of on or after its last day: its rows come from the
-- persistent roll-ups. The month of an as_of that is not its last day is aggregated from its
-- fleet.expenses rows up to as_of by the roll-ups' own definitions (fleet.rollup_select) — once per
-- analyze transaction by fleet.expenses_cache_refresh into the unlogged tables below (stamped with
-- the transaction id; other transactions ignore them and compute), else on each call.
-- Readers (one per roll-up, returning its row type): fleet.expense_months_upto,
-- fleet.client_months_upto, fleet.vehicle_month_facts, fleet.driver_months_upto. The shared
-- intermediates (fleet.expenses_by_*) and the rules read these.

-- The per-row cache of the previous design (full intermediates per transaction) is gone.
drop function if exists fleet.expenses_cache_compute_vehicle_driver_month(text, date, xid8);
drop function if exists fleet.expenses_cache_compute_month(text, date, xid8);
drop function if exists fleet.expenses_cache_valid(text, date, text);
drop table if exists fleet.expenses_cache_vehicle_driver_month, fleet.expenses_cache_month,
  fleet.expenses_cache_vehicle_month, fleet.expenses_cache_driver_month cascade;
drop table if exists fleet.expenses_cache cascade;

create unlogged table fleet.expenses_cache (
  client_id text not null,
  as_of date not null,
  xid xid8 not null,
  refreshed_at timestamptz not null default now(),
  primary key (client_id, as_of, xid)
);
comment on table fleet.expenses_cache is 'Marker: the as_of month of (client_id, as_of) is cached for transaction xid in fleet.expenses_cache_<roll-up> (see fleet.expenses_cache_refresh). Unlogged scratch data, valid only inside that transaction.';

drop table if exists fleet.expenses_cache_expense_months;
create unlogged table fleet.expenses_cache_expense_months (like fleet.expense_months, as_of date not null, xid xid8 not null);
create index on fleet.expenses_cache_expense_months (client_id, as_of, xid);
comment on table fleet.expenses_cache_expense_months is 'fleet.expense_months rows of the as_of month of (client_id, as_of) up to as_of, for transaction xid only.';

drop table if exists fleet.expenses_cache_client_months;
create unlogged table fleet.expenses_cache_client_months (like fleet.client_months, as_of date not null, xid xid8 not null);
create index on fleet.expenses_cache_client_months (client_id, as_of, xid);
comment on table fleet.expenses_cache_client_months is 'fleet.client_months rows of the as_of month of (client_id, as_of) up to as_of, for transaction xid only.';

drop table if exists fleet.expenses_cache_vehicle_months;
create unlogged table fleet.expenses_cache_vehicle_months (like fleet.vehicle_months, as_of date not null, xid xid8 not null);
create index on fleet.expenses_cache_vehicle_months (client_id, as_of, xid);
comment on table fleet.expenses_cache_vehicle_months is 'fleet.vehicle_months rows of the as_of month of (client_id, as_of) up to as_of, for transaction xid only.';

drop table if exists fleet.expenses_cache_driver_months;
create unlogged table fleet.expenses_cache_driver_months (like fleet.driver_months, as_of date not null, xid xid8 not null);
create index on fleet.expenses_cache_driver_months (client_id, as_of, xid);
comment on table fleet.expenses_cache_driver_months is 'fleet.driver_months rows of the as_of month of (client_id, as_of) up to as_of, for transaction xid only.';

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
comment on function fleet.expenses_cache_xid() is 'pg_current_xact_id_if_assigned() behind a parallel-restricted wrapper: the key of the per-transaction cache.';

create or replace function fleet.expenses_cache_valid(client_id text, as_of date)
returns boolean
language plpgsql stable parallel restricted
as $$
begin
  return exists (
    select 1 from fleet.expenses_cache k
    where k.client_id = $1 and k.as_of = $2 and k.xid = pg_current_xact_id_if_assigned()
  );
end;
$$;
comment on function fleet.expenses_cache_valid(text, date) is 'True when this transaction cached the as_of month of (client_id, as_of).';

-- The first day after the complete months of an as_of.
create or replace function fleet.month_after_complete(as_of date)
returns date
language sql immutable parallel safe
as $$
  select date_trunc('month', ($1 + 1)::timestamp)::date
$$;
comment on function fleet.month_after_complete(date) is 'The first day of the month after as_of''s last complete month (months before it are complete as of as_of).';

-- fleet.expense_months rows of the as_of month aggregated up to as_of (none when as_of ends its month).
create or replace function fleet.rollup_partial_expense_months(client_id text, as_of date)
returns setof fleet.expense_months
language plpgsql stable
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '64MB'
as $$
begin
  if date_trunc('month', (as_of + 1)::timestamp) = date_trunc('month', as_of::timestamp) then
    return query execute format(fleet.rollup_select('expense_months'), '(select e.* from fleet.expenses e where e.client_id = $1 and e.date >= date_trunc(''month'', $2::timestamp)::date and e.date <= $2)') using client_id, as_of;
  end if;
end;
$$;
comment on function fleet.rollup_partial_expense_months(text, date) is 'fleet.expense_months rows of the as_of month computed up to as_of; none when as_of is the last day of its month.';

-- fleet.client_months rows of the as_of month aggregated up to as_of (none when as_of ends its month).
create or replace function fleet.rollup_partial_client_months(client_id text, as_of date)
returns setof fleet.client_months
language plpgsql stable
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '64MB'
as $$
begin
  if date_trunc('month', (as_of + 1)::timestamp) = date_trunc('month', as_of::timestamp) then
    return query execute format(fleet.rollup_select('client_months'), '(select e.* from fleet.expenses e where e.client_id = $1 and e.date >= date_trunc(''month'', $2::timestamp)::date and e.date <= $2)') using client_id, as_of;
  end if;
end;
$$;
comment on function fleet.rollup_partial_client_months(text, date) is 'fleet.client_months rows of the as_of month computed up to as_of; none when as_of is the last day of its month.';

-- fleet.vehicle_months rows of the as_of month aggregated up to as_of (none when as_of ends its month).
create or replace function fleet.rollup_partial_vehicle_months(client_id text, as_of date)
returns setof fleet.vehicle_months
language plpgsql stable
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '64MB'
as $$
begin
  if date_trunc('month', (as_of + 1)::timestamp) = date_trunc('month', as_of::timestamp) then
    return query execute format(fleet.rollup_select('vehicle_months'), '(select e.* from fleet.expenses e where e.client_id = $1 and e.date >= date_trunc(''month'', $2::timestamp)::date and e.date <= $2)') using client_id, as_of;
  end if;
end;
$$;
comment on function fleet.rollup_partial_vehicle_months(text, date) is 'fleet.vehicle_months rows of the as_of month computed up to as_of; none when as_of is the last day of its month.';

-- fleet.driver_months rows of the as_of month aggregated up to as_of (none when as_of ends its month).
create or replace function fleet.rollup_partial_driver_months(client_id text, as_of date)
returns setof fleet.driver_months
language plpgsql stable
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '64MB'
as $$
begin
  if date_trunc('month', (as_of + 1)::timestamp) = date_trunc('month', as_of::timestamp) then
    return query execute format(fleet.rollup_select('driver_months'), '(select * from fleet.rollup_partial_expense_months($1, $2))') using client_id, as_of;
  end if;
end;
$$;
comment on function fleet.rollup_partial_driver_months(text, date) is 'fleet.driver_months rows of the as_of month computed up to as_of; none when as_of is the last day of its month.';

create or replace function fleet.expense_months_upto(client_id text, as_of date)
returns setof fleet.expense_months
language sql stable
as $$
  select r.*
  from fleet.expense_months r
  where r.client_id = $1 and r.month < fleet.month_after_complete($2)
  union all
  select c.client_id, c.gov_number, c.driver, c.month, c.fuel, c.calculated_salary, c.fines, c.maintenance, c.daily_distance, c.fuel_liters, c.total_cost, c.expense_rows, c.day_mask, c.driven_mask, c.fine_mask, c.zero_km_cost, c.zero_km_fuel
  from fleet.expenses_cache_expense_months c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select p.*
  from fleet.rollup_partial_expense_months($1, $2) p
  where not fleet.expenses_cache_valid($1, $2)
$$;
comment on function fleet.expense_months_upto(text, date) is 'fleet.expense_months rows of a client as of a date: the complete months from the roll-up, the as_of month (when as_of is not its last day) from this transaction''s cache or computed up to as_of.';

create or replace function fleet.client_months_upto(client_id text, as_of date)
returns setof fleet.client_months
language sql stable
as $$
  select r.*
  from fleet.client_months r
  where r.client_id = $1 and r.month < fleet.month_after_complete($2)
  union all
  select c.client_id, c.month, c.fuel, c.repair, c.insurance, c.fines, c.maintenance, c.tire_service, c.carwash, c.parking, c.flat_roads, c.calculated_salary, c.antifreeze_liquid, c.engine_oil, c.brake_fluid, c.spark_plugs, c.fuel_filters, c.filters, c.timing_belts, c.brake_pads, c.other_cost, c.rental_expense, c.amortization, c.transport_tax, c.casco, c.fire_extinguishers, c.first_aid_kits, c.hydraulic_oil, c.special_lubricants, c.customs_fees, c.cargo_insurance, c.transloading_fees, c.temp_control_maintenance, c.sterilization_costs, c.pharma_licenses, c.bucket_parts, c.daily_distance, c.fuel_liters, c.total_cost, c.expense_rows
  from fleet.expenses_cache_client_months c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select p.*
  from fleet.rollup_partial_client_months($1, $2) p
  where not fleet.expenses_cache_valid($1, $2)
$$;
comment on function fleet.client_months_upto(text, date) is 'fleet.client_months rows of a client as of a date: the complete months from the roll-up, the as_of month (when as_of is not its last day) from this transaction''s cache or computed up to as_of.';

create or replace function fleet.vehicle_month_facts(client_id text, as_of date)
returns setof fleet.vehicle_months
language sql stable
as $$
  select r.*
  from fleet.vehicle_months r
  where r.client_id = $1 and r.month < fleet.month_after_complete($2)
  union all
  select c.client_id, c.gov_number, c.month, c.vehicle_days, c.km, c.fuel_rub, c.liters, c.has_liters, c.priced_rub, c.priced_liters, c.vehicle_type, c.priced_vehicle_type, c.max_day_km, c.fuel_day_low_km, c.odo_readings, c.odo_first_date, c.odo_first, c.odo_last_date, c.odo_last, c.odo_max_rate, c.odo_min_step, c.calculated_salary, c.fines, c.maintenance, c.total_cost, c.expense_rows, c.driven_days, c.zero_km_days, c.zero_km_cost, c.zero_km_fuel, c.repair_cost, c.day_mask, c.driven_mask
  from fleet.expenses_cache_vehicle_months c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select p.*
  from fleet.rollup_partial_vehicle_months($1, $2) p
  where not fleet.expenses_cache_valid($1, $2)
$$;
comment on function fleet.vehicle_month_facts(text, date) is 'fleet.vehicle_months rows of a client as of a date: the complete months from the roll-up, the as_of month (when as_of is not its last day) from this transaction''s cache or computed up to as_of.';

create or replace function fleet.driver_months_upto(client_id text, as_of date)
returns setof fleet.driver_months
language sql stable
as $$
  select r.*
  from fleet.driver_months r
  where r.client_id = $1 and r.month < fleet.month_after_complete($2)
  union all
  select c.client_id, c.driver, c.month, c.calculated_salary, c.fines, c.daily_distance, c.fuel, c.total_cost, c.expense_rows, c.driver_days, c.fine_days, c.day_mask, c.driven_mask, c.fine_mask
  from fleet.expenses_cache_driver_months c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select p.*
  from fleet.rollup_partial_driver_months($1, $2) p
  where not fleet.expenses_cache_valid($1, $2)
$$;
comment on function fleet.driver_months_upto(text, date) is 'fleet.driver_months rows of a client as of a date: the complete months from the roll-up, the as_of month (when as_of is not its last day) from this transaction''s cache or computed up to as_of.';

-- Refresh: aggregate the as_of month once for this transaction. Call it first in the transaction that
-- runs a client's analyses (the analyze runner); every reader called afterwards in it reads the cache.
create or replace function fleet.expenses_cache_refresh(client_id text, as_of date)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '64MB'
as $$
declare
  v_xid xid8 := pg_current_xact_id();
begin
  delete from fleet.expenses_cache k where k.client_id = $1 and k.xid = v_xid;
  -- Copies of earlier transactions are garbage; drop them unless a concurrent run is doing so.
  begin
    delete from fleet.expenses_cache k where k.client_id = $1;
    delete from fleet.expenses_cache_expense_months c where c.client_id = $1;
    delete from fleet.expenses_cache_client_months c where c.client_id = $1;
    delete from fleet.expenses_cache_vehicle_months c where c.client_id = $1;
    delete from fleet.expenses_cache_driver_months c where c.client_id = $1;
  exception when serialization_failure or lock_not_available then
    delete from fleet.expenses_cache_expense_months c where c.client_id = $1 and c.xid = v_xid;
    delete from fleet.expenses_cache_client_months c where c.client_id = $1 and c.xid = v_xid;
    delete from fleet.expenses_cache_vehicle_months c where c.client_id = $1 and c.xid = v_xid;
    delete from fleet.expenses_cache_driver_months c where c.client_id = $1 and c.xid = v_xid;
  end;
  insert into fleet.expenses_cache_expense_months select p.*, $2, v_xid from fleet.rollup_partial_expense_months($1, $2) p;
  insert into fleet.expenses_cache_client_months select p.*, $2, v_xid from fleet.rollup_partial_client_months($1, $2) p;
  insert into fleet.expenses_cache_vehicle_months select p.*, $2, v_xid from fleet.rollup_partial_vehicle_months($1, $2) p;
  execute 'insert into fleet.expenses_cache_driver_months select p.*, $2, $3 from ('
    || format(fleet.rollup_select('driver_months'),
         '(select c.* from fleet.expenses_cache_expense_months c where c.client_id = $1 and c.as_of = $2 and c.xid = $3)')
    || ') p'
    using client_id, as_of, v_xid;
  insert into fleet.expenses_cache (client_id, as_of, xid) values ($1, $2, v_xid);
end;
$$;
comment on function fleet.expenses_cache_refresh(text, date) is 'Aggregate the as_of month of (client_id, as_of) once and cache it for the current transaction; the roll-up readers called later in it read the cache.';
