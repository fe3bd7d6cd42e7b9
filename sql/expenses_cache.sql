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
