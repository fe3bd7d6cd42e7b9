--! Previous: sha1:716d669ad1cd016990696a91684b27ff6f51c7f9
--! Hash: sha1:43772c196f16e1ef5d32346349a74894e8d59dff
--! Message: Roll-ups of fleet.expenses maintained by statement triggers; intermediates, rules and analyses read them

-- Persistent roll-ups of fleet.expenses maintained by statement triggers; the shared intermediates
-- and the rules read them instead of every expense row.
--! Included expense_rollups.sql
-- Persistent roll-ups of fleet.expenses, kept exact by statement-level triggers, so that analysing a
-- client never reads all of its expense rows again: whatever writes fleet.expenses (the loader's merge,
-- a COPY, a test's insert, a client's deletion) recomputes the roll-up rows of exactly the months and
-- vehicle-months the statement touched. Reading is O(vehicle-months), not O(rows); a load pays once
-- for the months it changes.
--   fleet.expense_months  per client, vehicle, driver and month: the columns of the shared
--                         intermediate fleet.expenses_by_vehicle_driver_month (fuel, salary, fines,
--                         maintenance, km, litres, total, rows, day bit masks, zero-km sums).
--   fleet.client_months   per client and month: every money category, km, litres, total, rows (the
--                         intermediate fleet.expenses_by_month). 34 sums per group are kept at this
--                         grain only: per vehicle-month they would cost ~30 times the memory.
--   fleet.vehicle_months  per client, vehicle and month: facts that need the vehicle-day or the
--                         reading order across drivers — fuel-norm inputs, the largest vehicle-day
--                         mileage, the lowest mileages of days with fuel bought, odometer statistics.
--                         Settings-independent screening statistics: a rule uses them to pick the few
--                         vehicle-months worth reading day by day.
-- One definition per roll-up: fleet.rollup_select(kind) is the aggregate over a row source. The
-- triggers run it over the statement's inserted rows for months that had no rows before (a first
-- load aggregates what it inserts, without reading it back) and over fleet.expenses for months that
-- had rows. Reading (fleet.rollup_*_upto): a month is complete for an as_of on or after its last day;
-- the as_of month, when as_of is not its last day, is computed from fleet.expenses up to as_of.

create table if not exists fleet.expense_months (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  gov_number text not null,
  driver text not null,
  month date not null,
  fuel numeric not null,
  calculated_salary numeric not null,
  fines numeric not null,
  maintenance numeric not null,
  daily_distance numeric not null,
  fuel_liters numeric,
  total_cost numeric not null,
  expense_rows bigint not null,
  day_mask int not null,
  driven_mask int not null,
  fine_mask int not null,
  zero_km_cost numeric not null,
  zero_km_fuel numeric not null,
  primary key (client_id, gov_number, month, driver)
);
comment on table fleet.expense_months is 'Roll-up of fleet.expenses per client, vehicle, driver and month (the columns of fleet.expenses_by_vehicle_driver_month), maintained by the statement triggers of fleet.expenses.';

create table if not exists fleet.client_months (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  month date not null,
  fuel numeric not null,
  repair numeric not null,
  insurance numeric not null,
  fines numeric not null,
  maintenance numeric not null,
  tire_service numeric not null,
  carwash numeric not null,
  parking numeric not null,
  flat_roads numeric not null,
  calculated_salary numeric not null,
  antifreeze_liquid numeric not null,
  engine_oil numeric not null,
  brake_fluid numeric not null,
  spark_plugs numeric not null,
  fuel_filters numeric not null,
  filters numeric not null,
  timing_belts numeric not null,
  brake_pads numeric not null,
  other_cost numeric not null,
  rental_expense numeric not null,
  amortization numeric not null,
  transport_tax numeric not null,
  casco numeric not null,
  fire_extinguishers numeric not null,
  first_aid_kits numeric not null,
  hydraulic_oil numeric not null,
  special_lubricants numeric not null,
  customs_fees numeric not null,
  cargo_insurance numeric not null,
  transloading_fees numeric not null,
  temp_control_maintenance numeric not null,
  sterilization_costs numeric not null,
  pharma_licenses numeric not null,
  bucket_parts numeric not null,
  daily_distance numeric not null,
  fuel_liters numeric,
  total_cost numeric not null,
  expense_rows bigint not null,
  primary key (client_id, month)
);
comment on table fleet.client_months is 'Roll-up of fleet.expenses per client and month (every money category; the columns of fleet.expenses_by_month), maintained by the statement triggers of fleet.expenses.';

create table if not exists fleet.vehicle_months (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  gov_number text not null,
  month date not null,
  vehicle_days int not null,
  km numeric not null,
  fuel_rub numeric not null,
  liters numeric,
  has_liters boolean,
  priced_rub numeric,
  priced_liters numeric,
  vehicle_type text,
  priced_vehicle_type text,
  max_day_km numeric not null,
  fuel_day_low_km numeric[],
  odo_readings int not null,
  odo_first_date date,
  odo_first numeric,
  odo_last_date date,
  odo_last numeric,
  odo_max_rate numeric,
  odo_min_step numeric,
  calculated_salary numeric not null,
  fines numeric not null,
  maintenance numeric not null,
  total_cost numeric not null,
  expense_rows bigint not null,
  driven_days int not null,
  zero_km_days int not null,
  zero_km_cost numeric not null,
  zero_km_fuel numeric not null,
  repair_cost numeric not null,
  day_mask int not null,
  driven_mask int not null,
  primary key (client_id, gov_number, month)
);
comment on table fleet.vehicle_months is 'Roll-up of fleet.expenses per client, vehicle and month: fuel-norm inputs, vehicle-day mileage and odometer screening statistics (sql/expense_rollups.sql), maintained by the statement triggers of fleet.expenses.';
comment on column fleet.vehicle_months.vehicle_days is 'Days with at least one row.';
comment on column fleet.vehicle_months.km is 'sum(daily_distance); fuel_rub = sum(fuel), liters = sum(fuel_liters).';
comment on column fleet.vehicle_months.has_liters is 'Every row with fuel bought (fuel > 0 or fuel_liters > 0) has fuel_liters; null when there is no such row.';
comment on column fleet.vehicle_months.priced_rub is 'Fuel rubles of the rows with both fuel > 0 and fuel_liters > 0 (priced_liters: their litres).';
comment on column fleet.vehicle_months.vehicle_type is 'max(vehicle_type) of the rows; priced_vehicle_type: of the priced rows.';
comment on column fleet.vehicle_months.max_day_km is 'The largest vehicle-day km (daily_distance summed over the day''s rows).';
comment on column fleet.vehicle_months.fuel_day_low_km is 'The (at most 8) lowest vehicle-day km among the days with fuel bought (the day''s sum(fuel) > 0), ascending; null without such days.';
comment on column fleet.vehicle_months.odo_readings is 'Rows with odometer_km > 0. Readings are ordered by date, a day''s rows by reading (the order of odometer_check); odo_first/odo_last are the first and last in that order.';
comment on column fleet.vehicle_months.odo_max_rate is 'Largest (reading − previous reading) / greatest(days between, 1) within the month; null with fewer than two readings.';
comment on column fleet.vehicle_months.driven_days is 'Days with km (a row with daily_distance > 0); zero_km_days: days with rows but no km, zero_km_cost / zero_km_fuel: their total cost and fuel rubles.';
comment on column fleet.vehicle_months.repair_cost is 'Sum of the money categories that count as repair (fleet.expense_categories.counts_as_repair; the roll-ups are rebuilt when that flag changes).';
comment on column fleet.vehicle_months.day_mask is 'Days with rows as a bit mask (bit d-1 = day d); driven_mask: days with km (any row with daily_distance > 0).';
comment on column fleet.vehicle_months.odo_min_step is 'Smallest reading − previous reading within the month (negative for a rollback); null with fewer than two readings.';

create table if not exists fleet.driver_months (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  driver text not null,
  month date not null,
  calculated_salary numeric not null,
  fines numeric not null,
  daily_distance numeric not null,
  fuel numeric not null,
  total_cost numeric not null,
  expense_rows bigint not null,
  driver_days int not null,
  fine_days int not null,
  day_mask int not null,
  driven_mask int not null,
  fine_mask int not null,
  primary key (client_id, driver, month)
);
comment on table fleet.driver_months is 'Roll-up per client, named driver and month (the columns of fleet.expenses_by_driver_month, and the day masks OR-ed over the driver''s vehicles), summed from fleet.expense_months by the statement triggers of fleet.expenses.';
create index if not exists expense_months_driver on fleet.expense_months (client_id, driver, month);

-- The aggregate of each roll-up over a row source: a query text with one %s, the source relation
-- (fleet.expenses rows or a trigger's transition table; for driver_months, fleet.expense_months
-- rows). Used by the
-- triggers and by the readers' as_of month; the callers substitute one of their fixed source texts,
-- never input.
create or replace function fleet.rollup_select(kind text)
returns text
language sql stable
as $fn$
  select replace(case kind
  when 'expense_months' then $q$
    select
      x.client_id,
      x.gov_number,
      x.driver,
      x.month,
      sum(x.fuel),
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.daily_distance),
      sum(x.fuel_liters),
      sum(x.total_cost),
      count(*),
      bit_or(x.day_bit),
      coalesce(bit_or(x.day_bit) filter (where x.daily_distance > 0), 0),
      coalesce(bit_or(x.day_bit) filter (where x.fines > 0), 0),
      coalesce(sum(x.total_cost) filter (where x.daily_distance = 0), 0),
      coalesce(sum(x.fuel) filter (where x.daily_distance = 0), 0)
    from (
      -- byte-order keys ("C"): grouping needs equality only, and memcmp hashes far faster
      select r.client_id, r.gov_number collate "C" as gov_number, r.driver collate "C" as driver, m.month,
        1 << (r.date - m.month) as day_bit,
        r.fuel, r.calculated_salary, r.fines, r.maintenance, r.daily_distance, r.fuel_liters, r.total_cost
      from %s r
      -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
      cross join lateral (select date_trunc('month', r.date::timestamp)::date as month) m
    ) x
    group by x.client_id, x.gov_number, x.driver, x.month
  $q$
  when 'client_months' then $q$
    select
      x.client_id,
      x.month,
      sum(x.fuel),
      sum(x.repair),
      sum(x.insurance),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.tire_service),
      sum(x.carwash),
      sum(x.parking),
      sum(x.flat_roads),
      sum(x.calculated_salary),
      sum(x.antifreeze_liquid),
      sum(x.engine_oil),
      sum(x.brake_fluid),
      sum(x.spark_plugs),
      sum(x.fuel_filters),
      sum(x.filters),
      sum(x.timing_belts),
      sum(x.brake_pads),
      sum(x.other_cost),
      sum(x.rental_expense),
      sum(x.amortization),
      sum(x.transport_tax),
      sum(x.casco),
      sum(x.fire_extinguishers),
      sum(x.first_aid_kits),
      sum(x.hydraulic_oil),
      sum(x.special_lubricants),
      sum(x.customs_fees),
      sum(x.cargo_insurance),
      sum(x.transloading_fees),
      sum(x.temp_control_maintenance),
      sum(x.sterilization_costs),
      sum(x.pharma_licenses),
      sum(x.bucket_parts),
      sum(x.daily_distance),
      sum(x.fuel_liters),
      sum(x.total_cost),
      count(*)
    from (
      select date_trunc('month', r.date::timestamp)::date as month, r.*
      from %s r
    ) x
    group by x.client_id, x.month
  $q$
  when 'vehicle_months' then $q$
    select
      x.client_id,
      x.gov_number,
      x.month,
      (count(*) filter (where x.day_row = 1))::int,
      sum(x.daily_distance),
      sum(x.fuel),
      sum(x.fuel_liters),
      bool_and(x.fuel_liters is not null) filter (where x.fuel > 0 or x.fuel_liters > 0),
      sum(x.fuel) filter (where x.fuel_liters > 0 and x.fuel > 0),
      sum(x.fuel_liters) filter (where x.fuel_liters > 0 and x.fuel > 0),
      max(x.vehicle_type),
      max(x.vehicle_type) filter (where x.fuel_liters > 0 and x.fuel > 0),
      max(x.day_km),
      (array_agg(x.day_km order by x.day_km) filter (where x.day_row = 1 and x.day_fuel > 0))[1:8],
      (count(*) filter (where x.odometer_km > 0))::int,
      date '2000-01-01' + (min(x.reading) filter (where x.odometer_km > 0))[1]::int,
      (min(x.reading) filter (where x.odometer_km > 0))[2],
      date '2000-01-01' + (max(x.reading) filter (where x.odometer_km > 0))[1]::int,
      (max(x.reading) filter (where x.odometer_km > 0))[2],
      max((x.odometer_km - x.prev_reading[2]) / greatest(x.date - (date '2000-01-01' + x.prev_reading[1]::int), 1))
        filter (where x.odometer_km > 0),
      min(x.odometer_km - x.prev_reading[2]) filter (where x.odometer_km > 0),
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.total_cost),
      count(*),
      (count(*) filter (where x.day_row = 1 and x.day_km > 0))::int,
      (count(*) filter (where x.day_row = 1 and x.day_km = 0))::int,
      coalesce(sum(x.total_cost) filter (where x.day_km = 0), 0),
      coalesce(sum(x.fuel) filter (where x.day_km = 0), 0),
      sum(x.repair_cost),
      bit_or(1 << (x.date - x.month)),
      coalesce(bit_or(1 << (x.date - x.month)) filter (where x.daily_distance > 0), 0)
    from (
      -- One sort, by vehicle, month, date and reading (the order of fleet.anomaly_odometer_check),
      -- serves both windows and the grouping: d is the vehicle-day (its km and fuel over all its
      -- rows), w the month's rows in reading order. A reading is (days since 2000-01-01, km): the
      -- greatest one before a row is the previous reading, whatever rows without one lie between.
      select y.*,
        sum(y.daily_distance) over d as day_km,
        sum(y.fuel) over d as day_fuel,
        row_number() over d as day_row,
        max(y.reading) filter (where y.odometer_km > 0) over (w rows between unbounded preceding and 1 preceding) as prev_reading
      from (
        select r.client_id, r.gov_number collate "C" as gov_number, m.month, r.date, r.daily_distance, r.fuel,
          r.fuel_liters, r.vehicle_type, r.odometer_km, r.calculated_salary, r.fines, r.maintenance, r.total_cost,
          /*repair_cost*/ as repair_cost,
          array[(r.date - date '2000-01-01')::numeric, r.odometer_km] as reading
        from %s r
        cross join lateral (select date_trunc('month', r.date::timestamp)::date as month) m
      ) y
      window d as (partition by y.client_id, y.gov_number, y.month, y.date),
        w as (partition by y.client_id, y.gov_number, y.month order by y.date, y.odometer_km)
    ) x
    group by x.client_id, x.gov_number, x.month
  $q$
  when 'driver_months' then $q$
    select
      x.client_id,
      x.driver,
      x.month,
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.daily_distance),
      sum(x.fuel),
      sum(x.total_cost),
      sum(x.expense_rows)::bigint,
      -- a day on two vehicles is one driver-day: OR the vehicles' day masks
      coalesce(bit_count(bit_or(x.day_mask)::bit(32)), 0)::int,
      coalesce(bit_count(bit_or(x.fine_mask)::bit(32)), 0)::int,
      bit_or(x.day_mask),
      bit_or(x.driven_mask),
      bit_or(x.fine_mask)
    from %s x
    where x.driver <> ''
    group by x.client_id, x.driver, x.month
  $q$
  end,
  -- the repair categories are reference data (fleet.expense_categories), quoted with %I
  '/*repair_cost*/',
  (select coalesce(string_agg(format('r.%I', ec.category), ' + ' order by ec.category), '0')
   from fleet.expense_categories ec
   join pg_attribute a
     on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped
   where ec.counts_as_repair))
$fn$;
comment on function fleet.rollup_select(text) is 'The aggregate query of a roll-up (expense_months | client_months | vehicle_months | driver_months) over a row source (%s): the one definition of its rows.';

-- The statement triggers. The (client, vehicle, month) and (client, month) pairs the statement
-- changed are marked fresh when the roll-up had no row for them before (then every row of that month
-- is in new_rows); their roll-up rows are replaced: fresh ones aggregated from new_rows, the others
-- from fleet.expenses as it is after the statement. driver_months is then re-summed from
-- fleet.expense_months for the (client, driver, month) triples changed. The keys go to analysed temp
-- tables so the planner joins a few of them through the primary keys and a whole client's by hash.
create or replace function fleet.expenses_rollup_trigger()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '256MB'
as $$
declare
  v_all_fresh boolean;
  v_all_fresh_months boolean;
  v_fresh_rows text;
begin
  create temp table if not exists rollup_vehicle_keys (client_id text, gov_number text, month date, fresh boolean) on commit drop;
  create temp table if not exists rollup_client_keys (client_id text, month date, fresh boolean) on commit drop;
  create temp table if not exists rollup_driver_keys (client_id text, driver text, month date) on commit drop;
  truncate rollup_vehicle_keys, rollup_client_keys, rollup_driver_keys;
  if tg_op = 'INSERT' then
    insert into rollup_vehicle_keys
    select k.client_id, k.gov_number, k.month,
      not exists (select 1 from fleet.vehicle_months v where v.client_id = k.client_id and v.gov_number = k.gov_number and v.month = k.month)
    from (select distinct n.client_id, n.gov_number, date_trunc('month', n.date::timestamp)::date as month from new_rows n) k;
    insert into rollup_driver_keys
    select distinct n.client_id, n.driver, date_trunc('month', n.date::timestamp)::date from new_rows n where n.driver <> '';
  elsif tg_op = 'DELETE' then
    insert into rollup_vehicle_keys
    select distinct o.client_id, o.gov_number, date_trunc('month', o.date::timestamp)::date, false from old_rows o;
    insert into rollup_driver_keys
    select distinct o.client_id, o.driver, date_trunc('month', o.date::timestamp)::date from old_rows o where o.driver <> '';
  else
    insert into rollup_vehicle_keys
    select n.client_id, n.gov_number, date_trunc('month', n.date::timestamp)::date, false from new_rows n
    union
    select o.client_id, o.gov_number, date_trunc('month', o.date::timestamp)::date, false from old_rows o;
    insert into rollup_driver_keys
    select n.client_id, n.driver, date_trunc('month', n.date::timestamp)::date from new_rows n where n.driver <> ''
    union
    select o.client_id, o.driver, date_trunc('month', o.date::timestamp)::date from old_rows o where o.driver <> '';
  end if;
  if not exists (select 1 from rollup_vehicle_keys) then
    return null; -- nothing changed (e.g. a reload whose rows were all there already)
  end if;
  insert into rollup_client_keys
  select k.client_id, k.month,
    bool_and(k.fresh) and not exists (select 1 from fleet.client_months c where c.client_id = k.client_id and c.month = k.month)
  from rollup_vehicle_keys k
  group by k.client_id, k.month;
  analyze rollup_vehicle_keys;
  analyze rollup_client_keys;
  analyze rollup_driver_keys;
  -- (a month can be new for a vehicle but not for the client: the two are judged separately)
  select coalesce(bool_and(k.fresh), false) into v_all_fresh from rollup_vehicle_keys k;
  select coalesce(bool_and(k.fresh), false) into v_all_fresh_months from rollup_client_keys k;

  delete from fleet.expense_months r using rollup_vehicle_keys k
  where not k.fresh and r.client_id = k.client_id and r.gov_number = k.gov_number and r.month = k.month;
  delete from fleet.vehicle_months r using rollup_vehicle_keys k
  where not k.fresh and r.client_id = k.client_id and r.gov_number = k.gov_number and r.month = k.month;
  delete from fleet.client_months r using rollup_client_keys k
  where not k.fresh and r.client_id = k.client_id and r.month = k.month;
  delete from fleet.driver_months r using rollup_driver_keys k
  where r.client_id = k.client_id and r.driver = k.driver and r.month = k.month;

  if tg_op = 'INSERT' then
    -- fresh months: what the statement inserted is all they hold
    v_fresh_rows := case when v_all_fresh then 'new_rows' else
      '(select n.* from new_rows n join rollup_vehicle_keys k
          on k.fresh and k.client_id = n.client_id and k.gov_number = n.gov_number
         and k.month = date_trunc(''month'', n.date::timestamp)::date)' end;
    execute 'insert into fleet.expense_months ' || format(fleet.rollup_select('expense_months'), v_fresh_rows);
    execute 'insert into fleet.vehicle_months ' || format(fleet.rollup_select('vehicle_months'), v_fresh_rows);
    execute 'insert into fleet.client_months ' || format(fleet.rollup_select('client_months'),
      case when v_all_fresh_months then 'new_rows' else
      '(select n.* from new_rows n join rollup_client_keys k
          on k.fresh and k.client_id = n.client_id and k.month = date_trunc(''month'', n.date::timestamp)::date)' end);
  end if;
  if not v_all_fresh then
    execute 'insert into fleet.expense_months ' || format(fleet.rollup_select('expense_months'),
      '(select e.* from rollup_vehicle_keys k join fleet.expenses e
          on e.client_id = k.client_id and e.gov_number = k.gov_number
         and e.date >= k.month and e.date < (k.month + interval ''1 month'')::date
        where not k.fresh)');
    execute 'insert into fleet.vehicle_months ' || format(fleet.rollup_select('vehicle_months'),
      '(select e.* from rollup_vehicle_keys k join fleet.expenses e
          on e.client_id = k.client_id and e.gov_number = k.gov_number
         and e.date >= k.month and e.date < (k.month + interval ''1 month'')::date
        where not k.fresh)');
  end if;
  if not v_all_fresh_months then
    execute 'insert into fleet.client_months ' || format(fleet.rollup_select('client_months'),
      '(select e.* from rollup_client_keys k join fleet.expenses e
          on e.client_id = k.client_id and e.date >= k.month and e.date < (k.month + interval ''1 month'')::date
        where not k.fresh)');
  end if;
  execute 'insert into fleet.driver_months ' || format(fleet.rollup_select('driver_months'),
    '(select m.* from rollup_driver_keys k join fleet.expense_months m
        on m.client_id = k.client_id and m.driver = k.driver and m.month = k.month)');
  return null;
end;
$$;
comment on function fleet.expenses_rollup_trigger() is 'Statement trigger of fleet.expenses: replace the roll-up rows (fleet.expense_months, fleet.client_months, fleet.vehicle_months, fleet.driver_months) of the months the statement changed.';

create or replace function fleet.expenses_rollup_truncate()
returns trigger
language plpgsql
as $$
begin
  truncate fleet.expense_months, fleet.client_months, fleet.vehicle_months, fleet.driver_months;
  return null;
end;
$$;
comment on function fleet.expenses_rollup_truncate() is 'Truncate trigger of fleet.expenses: empty the roll-ups with it.';

drop trigger if exists expenses_rollup_insert on fleet.expenses;
create trigger expenses_rollup_insert after insert on fleet.expenses
  referencing new table as new_rows for each statement execute function fleet.expenses_rollup_trigger();
drop trigger if exists expenses_rollup_update on fleet.expenses;
create trigger expenses_rollup_update after update on fleet.expenses
  referencing old table as old_rows new table as new_rows for each statement execute function fleet.expenses_rollup_trigger();
drop trigger if exists expenses_rollup_delete on fleet.expenses;
create trigger expenses_rollup_delete after delete on fleet.expenses
  referencing old table as old_rows for each statement execute function fleet.expenses_rollup_trigger();
drop trigger if exists expenses_rollup_truncate on fleet.expenses;
create trigger expenses_rollup_truncate after truncate on fleet.expenses
  for each statement execute function fleet.expenses_rollup_truncate();

-- vehicle_months.repair_cost depends on which categories count as repair: rebuild on a change.
create or replace function fleet.expense_categories_rollup_trigger()
returns trigger
language plpgsql
as $$
begin
  perform fleet.expense_rollups_rebuild(c.client_id) from fleet.clients c;
  return null;
end;
$$;
comment on function fleet.expense_categories_rollup_trigger() is 'Rebuild every client''s roll-ups when fleet.expense_categories changes (vehicle_months.repair_cost).';

-- Rebuild a client's roll-ups from fleet.expenses (existing data when this file is applied; a check:
-- the roll-ups must always equal a rebuild).
create or replace function fleet.expense_rollups_rebuild(client_id text)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
set jit = off
set work_mem = '256MB'
as $$
declare
  v_rows constant text := '(select e.* from fleet.expenses e where e.client_id = $1)';
begin
  delete from fleet.expense_months r where r.client_id = $1;
  delete from fleet.client_months r where r.client_id = $1;
  delete from fleet.vehicle_months r where r.client_id = $1;
  delete from fleet.driver_months r where r.client_id = $1;
  execute 'insert into fleet.expense_months ' || format(fleet.rollup_select('expense_months'), v_rows) using client_id;
  execute 'insert into fleet.client_months ' || format(fleet.rollup_select('client_months'), v_rows) using client_id;
  execute 'insert into fleet.vehicle_months ' || format(fleet.rollup_select('vehicle_months'), v_rows) using client_id;
  execute 'insert into fleet.driver_months ' || format(fleet.rollup_select('driver_months'),
    '(select m.* from fleet.expense_months m where m.client_id = $1)') using client_id;
end;
$$;
comment on function fleet.expense_rollups_rebuild(text) is 'Rebuild a client''s roll-ups (fleet.expense_months, fleet.client_months, fleet.vehicle_months, fleet.driver_months) from fleet.expenses.';

drop trigger if exists expense_categories_rollup on fleet.expense_categories;
create trigger expense_categories_rollup after insert or update of counts_as_repair or delete on fleet.expense_categories
  for each statement execute function fleet.expense_categories_rollup_trigger();

select fleet.expense_rollups_rebuild(c.client_id) from fleet.clients c;
--! EndIncluded expense_rollups.sql
--! Included expenses_cache.sql
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
--! EndIncluded expenses_cache.sql
--! Included expenses_by_vehicle_driver_month.sql
-- fleet.expenses_by_vehicle_driver_month: one row per vehicle, driver (including '' = unknown) and
-- month of a client's expenses up to as_of — fuel, salary, fines, maintenance, km, litres, total,
-- rows. The fine-grained shared fact, read from the trigger-maintained roll-up fleet.expense_months
-- (sql/expense_rollups.sql holds its one definition; sql/expenses_cache.sql the as_of month).
-- Day-level facts survive the aggregation as bit masks of the days of the month (bit d-1 = day d):
-- day_mask (days with a row), driven_mask (days with daily_distance > 0), fine_mask (days with
-- fines > 0). OR-ing masks across rows gives exact distinct day counts (vehicle-days, driven days,
-- days with fines) without a per-day intermediate. zero_km_cost / zero_km_fuel are the sums over
-- rows with daily_distance = 0 (per vehicle-day exact: see fleet.expenses_by_vehicle_month).
drop function if exists fleet.expenses_vehicle_driver_month_from_rows(text, date);
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
language sql stable
as $$
  select r.gov_number, r.driver, r.month, r.fuel, r.calculated_salary, r.fines, r.maintenance, r.daily_distance, r.fuel_liters, r.total_cost, r.expense_rows, r.day_mask, r.driven_mask, r.fine_mask, r.zero_km_cost, r.zero_km_fuel
  from fleet.expense_months_upto($1, $2) r
$$;
comment on function fleet.expenses_by_vehicle_driver_month(text, date) is 'Shared intermediate: one row per vehicle, driver and month up to as_of — fuel, salary, fines, maintenance, km, litres, total, rows, day bit masks (days present, driven, with fines) and zero-km row sums. From the roll-up fleet.expense_months.';

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
-- Vehicle-days need day-level distinctness: see fleet.expenses_by_vehicle_month. Read from the
-- trigger-maintained roll-up fleet.client_months (sql/expense_rollups.sql holds its one definition;
-- sql/expenses_cache.sql the as_of month).
drop function if exists fleet.expenses_month_from_rows(text, date);
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
language sql stable
as $$
  select
    r.month,
    to_char(r.month, 'YYYY') as year,
    to_char(r.month, 'MM') as mm,
    r.fuel,
    r.repair,
    r.insurance,
    r.fines,
    r.maintenance,
    r.tire_service,
    r.carwash,
    r.parking,
    r.flat_roads,
    r.calculated_salary,
    r.antifreeze_liquid,
    r.engine_oil,
    r.brake_fluid,
    r.spark_plugs,
    r.fuel_filters,
    r.filters,
    r.timing_belts,
    r.brake_pads,
    r.other_cost,
    r.rental_expense,
    r.amortization,
    r.transport_tax,
    r.casco,
    r.fire_extinguishers,
    r.first_aid_kits,
    r.hydraulic_oil,
    r.special_lubricants,
    r.customs_fees,
    r.cargo_insurance,
    r.transloading_fees,
    r.temp_control_maintenance,
    r.sterilization_costs,
    r.pharma_licenses,
    r.bucket_parts,
    r.daily_distance,
    r.fuel_liters,
    r.total_cost,
    r.expense_rows
  from fleet.client_months_upto($1, $2) r
$$;
comment on function fleet.expenses_by_month(text, date) is 'Shared intermediate: one row per month up to as_of with every money category, km, litres, total and rows. From the roll-up fleet.client_months.';
--! EndIncluded expenses_by_month.sql
--! Included expenses_by_vehicle_month.sql
-- fleet.expenses_by_vehicle_month: one row per vehicle (gov_number) and month of a client's expenses
-- up to as_of — fuel, salary, fines, maintenance, km, litres, total, and the vehicle-day facts:
-- vehicle_days (distinct days with a row), driven_days (days with km > 0), and downtime — the
-- vehicle-days with no kilometres (zero_km_days) and the total cost / fuel rubles of those days.
-- A vehicle-day is zero-km when none of its rows (one per driver) has kilometres. Read from the
-- trigger-maintained roll-up fleet.vehicle_months (sql/expense_rollups.sql holds its one
-- definition, computed per vehicle-day; sql/expenses_cache.sql the as_of month).
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
language sql stable
as $$
  select
    v.gov_number,
    v.month,
    to_char(v.month, 'YYYY') as year,
    to_char(v.month, 'MM') as mm,
    v.fuel_rub,
    v.calculated_salary,
    v.fines,
    v.maintenance,
    v.km,
    v.liters,
    v.total_cost,
    v.expense_rows,
    v.vehicle_days,
    v.driven_days,
    v.zero_km_days,
    v.zero_km_cost,
    v.zero_km_fuel
  from fleet.vehicle_month_facts($1, $2) v
$$;
comment on function fleet.expenses_by_vehicle_month(text, date) is 'Shared intermediate: one row per vehicle and month up to as_of — fuel, salary, fines, maintenance, km, litres, total, vehicle-days, driven days, zero-km days and their cost and fuel. From the roll-up fleet.vehicle_months.';
--! EndIncluded expenses_by_vehicle_month.sql
--! Included expenses_by_driver_month.sql
-- fleet.expenses_by_driver_month: one row per driver (non-empty name) and month of a client's
-- expenses up to as_of — salary, fines, km, fuel, total, driver_days (distinct days with a row on
-- any vehicle) and fine_days (distinct days with a fine on any vehicle). Rows without a driver
-- ('') belong to no driver and are left out. Read from the trigger-maintained roll-up
-- fleet.driver_months (sql/expense_rollups.sql holds its one definition; sql/expenses_cache.sql the
-- as_of month).
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
language sql stable
as $$
  select
    d.driver,
    d.month,
    to_char(d.month, 'YYYY') as year,
    to_char(d.month, 'MM') as mm,
    d.calculated_salary,
    d.fines,
    d.daily_distance,
    d.fuel,
    d.total_cost,
    d.expense_rows,
    d.driver_days,
    d.fine_days
  from fleet.driver_months_upto($1, $2) d
$$;
comment on function fleet.expenses_by_driver_month(text, date) is 'Shared intermediate: one row per non-empty driver and month up to as_of — salary, fines, km, fuel, total, days worked, days with fines. From the roll-up fleet.driver_months.';
--! EndIncluded expenses_by_driver_month.sql
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
-- Where the data comes from: driven days and days with rows from the day masks of the
-- vehicle-month roll-up (fleet.vehicle_month_facts, fleet.expenses_by_vehicle_month: ~33k rows,
-- not the client's expense rows), per-vehicle totals from their sums; raw rows of
-- fleet.expenses only for the still periods found (index ranges of the primary key); the examined
-- vehicles' repair share from the vehicle-month roll-up (fleet.client_repair_share).
-- fleet.client_repair_share: the repair-category share of spending up to as_of — of the client's
-- vehicles listed in gov_numbers (of all of them when null), from the vehicle-month roll-up
-- (vehicle_months.repair_cost sums the categories fleet.expense_categories counts as repair).
drop function if exists fleet.client_repair_share(text, date);
create or replace function fleet.client_repair_share(client_id text, as_of date, gov_numbers text[] default null)
returns numeric
language sql stable
as $fn$
  select coalesce(sum(v.repair_cost) / nullif(sum(v.total_cost), 0), 0)
  from fleet.vehicle_month_facts($1, $2) v
  where $3 is null or v.gov_number = any ($3)
$fn$;
comment on function fleet.client_repair_share(text, date, text[]) is 'Share of spending (up to as_of) in repair categories (expense_categories.counts_as_repair) of the listed vehicles of a client (all when null); 0 without spending.';

-- fleet.vehicle_period_costs: the spend of vehicles over date ranges — the i-th range is vehicle
-- gov_numbers[i] from from_dates[i] to to_dates[i], inclusive; one row per range: total, fuel,
-- amortization, days with rows, the repair categories' sum (expense_categories.counts_as_repair)
-- and the non-zero categories as {category: rubles rounded to 2}. One statement for all ranges,
-- each read through the primary key. Column names come from fleet.expense_categories, quoted with
-- %I — reference data, never caller input.
drop function if exists fleet.vehicle_category_costs(text, text, date, date);
create or replace function fleet.vehicle_period_costs(client_id text, gov_numbers text[], from_dates date[], to_dates date[])
returns table (gov_number text, from_date date, to_date date, total numeric, fuel numeric, amortization numeric,
               days_with_rows bigint, repair numeric, categories jsonb)
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
  return query execute format(
    'select r.gov_number, r.from_date, r.to_date, c.total, c.fuel, c.amortization, c.days_with_rows, k.repair, k.categories
     from unnest($2, $3, $4) r (gov_number, from_date, to_date)
     cross join lateral (
       select
         coalesce(sum(e.total_cost), 0) as total,
         coalesce(sum(e.fuel), 0) as fuel,
         coalesce(sum(e.amortization), 0) as amortization,
         count(distinct e.date) as days_with_rows,
         array[%s]::numeric[] as amounts
       from fleet.expenses e
       where e.client_id = $1 and e.gov_number = r.gov_number and e.date between r.from_date and r.to_date
     ) c
     cross join lateral (
       select
         coalesce(sum(x.amount) filter (where ec.counts_as_repair), 0) as repair,
         jsonb_object_agg(x.category, round(x.amount, 2)) filter (where x.amount <> 0) as categories
       from unnest(array[%s]::text[], c.amounts) x (category, amount)
       join fleet.expense_categories ec on ec.category = x.category
     ) k', coalesce(v_sums, ''), coalesce(v_names, ''))
    using client_id, gov_numbers, from_dates, to_dates;
end;
$fn$;
comment on function fleet.vehicle_period_costs(text, text[], date[], date[]) is 'Spend of vehicle i (gov_numbers[i]) from from_dates[i] to to_dates[i]: total, fuel, amortization, days with rows, repair categories, non-zero categories as JSON.';

create or replace function fleet.anomaly_silent_assets(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
-- a few small scans and sorts: JIT compilation would cost far more than it saves
set jit = off
as $$
  with params as materialized (
    select p.*,
      -- a run of ≥ min_days days leaves at least this many undriven days in a month it touches
      ceil(p.min_days / 2.0) as month_room,
      -- a still run in a day string (candidate_days): ≥ min_days undriven days. A regex bound is at
      -- most 255; longer thresholds are applied to the runs' lengths (still)
      '0{' || greatest(1, least(255, ceil(p.min_days)))::int || ',}' as still_run
    from (
      select
        fleet.setting($1, 'silent_assets.min_days') as min_days,
        fleet.setting($1, 'silent_assets.repair_share') as repair_share,
        fleet.setting($1, 'silent_assets.repair_ratio') as repair_ratio,
        fleet.setting($1, 'silent_assets.severity_medium') as sev_medium,
        fleet.setting($1, 'silent_assets.severity_high') as sev_high
    ) p
  ),
  vehicle_day_masks as materialized (
    -- the day masks of the vehicle-month roll-up: days with rows and driven days (a row with
    -- km > 0) of each vehicle and month, bit d-1 = day d
    select v.gov_number, v.month, v.day_mask, v.driven_mask
    from fleet.vehicle_month_facts($1, $2) v
  ),
  vehicle_span as materialized (
    -- per vehicle: its first and last month, and its first and last day — the lowest set bit of
    -- the first month's days, the highest of the last month's (a mask's highest set bit = how many
    -- of the powers of two 2..2^30 it reaches; m & -m keeps the lowest)
    select v.gov_number,
      min(v.month) as first_month,
      max(v.month) as last_month,
      min(v.month + width_bucket(v.day_mask & -v.day_mask, p.powers)) as first_date,
      max(v.month + width_bucket(v.day_mask, p.powers)) as last_date
    from vehicle_day_masks v
    cross join (select array(select 1 << i from generate_series(1, 30) i) as powers) p
    group by v.gov_number
  ),
  months as materialized (
    -- every month from the client's first to its last, with its last day (timestamp without time
    -- zone: month arithmetic independent of the session's time zone)
    select g::date as month, (g + interval '1 month - 1 day')::date as month_end
    from generate_series(
      (select min(vs.first_month) from vehicle_span vs)::timestamp,
      (select max(vs.last_month) from vehicle_span vs)::timestamp,
      interval '1 month') g
  ),
  vehicle_screen as materialized (
    -- per vehicle from its months (the shared vehicle-month intermediate):
    -- whether a month has ≥ month_room undriven days within the vehicle's span, how many months
    -- have rows, and its all-time spend and days with rows
    select vs.gov_number, vs.first_month, vs.last_month,
      bool_or(least(m.month_end, vs.last_date) - greatest(vm.month, vs.first_date) + 1 - vm.driven_days >= p.month_room) as month_with_room,
      count(*) as months_with_rows,
      sum(vm.total_cost) as total,
      sum(vm.vehicle_days)::bigint as days
    from fleet.expenses_by_vehicle_month($1, $2) vm
    join vehicle_span vs using (gov_number)
    join months m using (month)
    cross join params p
    group by vs.gov_number, vs.first_month, vs.last_month
  ),
  candidates as materialized (
    -- vehicles that may have a still run: a run of ≥ min_days days leaves ≥ month_room undriven
    -- days (within the vehicle's span) in a month it touches, or skips a month of rows (fewer
    -- months with rows than months from its first to its last)
    select s.gov_number
    from vehicle_screen s
    where s.month_with_room
       or s.months_with_rows < (date_part('year', s.last_month) - date_part('year', s.first_month)) * 12
                               + date_part('month', s.last_month) - date_part('month', s.first_month) + 1
  ),
  candidate_month as (
    -- the candidates' driven days per month (bit d-1 = day d)
    select v.gov_number, v.month, v.driven_mask
    from vehicle_day_masks v
    where v.gov_number in (select c.gov_number from candidates c)
  ),
  candidate_days as (
    -- a candidate's days from its first to its last day as a string, one character a day: '1'
    -- driven, '0' not (days of months without rows too): a month's characters are its driven mask
    -- read from bit 0 (day 1), cut to the month's length
    select vs.gov_number, vs.first_date,
      substr(
        string_agg(substr(reverse(coalesce(cm.driven_mask, 0)::bit(32)::text), 1, m.month_end - m.month + 1), '' order by m.month),
        vs.first_date - vs.first_month + 1,
        vs.last_date - vs.first_date + 1) as driven
    from vehicle_span vs
    join months m on m.month between vs.first_month and vs.last_month
    left join candidate_month cm on cm.gov_number = vs.gov_number and cm.month = m.month
    where vs.gov_number in (select c.gov_number from candidates c)
    group by vs.gov_number, vs.first_date, vs.first_month, vs.last_date
  ),
  still as (
    -- the still runs: maximal runs of undriven days between driven days or the span's ends, the
    -- n-th match of the pattern (greedy, so a match is a whole run)
    select d.gov_number, d.first_date + r.pos - 1 as start_date, d.first_date + r.pos + r.days - 2 as end_date, r.days
    from candidate_days d
    cross join params p
    cross join lateral (
      select regexp_instr(d.driven, p.still_run, 1, n) as pos, length(regexp_substr(d.driven, p.still_run, 1, n)) as days
      from generate_series(1, regexp_count(d.driven, p.still_run)) n
    ) r
    where r.days >= p.min_days
  ),
  costs as (
    -- the still periods' spend, one statement reading each period's rows by index range
    select
      c.gov_number, c.from_date as start_date, c.to_date as end_date, c.to_date - c.from_date + 1 as days,
      c.total, c.fuel, c.amortization, c.repair, c.categories, c.days_with_rows as rows
    from (
      select
        array_agg(s.gov_number order by s.gov_number, s.start_date) as gov_numbers,
        array_agg(s.start_date order by s.gov_number, s.start_date) as from_dates,
        array_agg(s.end_date order by s.gov_number, s.start_date) as to_dates
      from still s
    ) s
    cross join lateral fleet.vehicle_period_costs($1, s.gov_numbers, s.from_dates, s.to_dates) c
  ),
  client_repair as materialized (
    select fleet.client_repair_share($1, $2, array(select c.gov_number from candidates c)) as repair_share_of_total
  ),
  vehicle_repair as (
    -- the vehicle's usual repair spend per day: its average daily cost outside its still periods
    -- (all its days minus the still ones) × the examined vehicles' repair share
    select v.gov_number,
      (x.total - v.still_total) / nullif(x.days - v.still_days, 0) * coalesce(cr.repair_share_of_total, 0) as repair_per_day
    from (select c.gov_number, sum(c.total) as still_total, sum(c.rows) as still_days from costs c group by c.gov_number) v
    join vehicle_screen x using (gov_number)
    cross join client_repair cr
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
set jit = off
as $$
  with params as materialized (
    select
      fleet.setting($1, 'odometer_check.max_km_per_day') as max_km,
      fleet.setting($1, 'odometer_check.backwards_tolerance_km') as tol
  ),
  month_screen as (
    -- One pass over the vehicle-months of the roll-up (sql/expense_rollups.sql), in vehicle and
    -- month order: per month its odometer statistics, the last reading before the month, whether
    -- the month's largest vehicle-day km exceeds max_km, and the vehicle's fuel rubles and km up to
    -- as_of. The previous reading's date is the latest odo_last_date of the earlier months (dates
    -- grow with the months); its value is the previous month's odo_last when that month has
    -- readings, else (rare: a month with rows but no readings between) the odo_last of the month
    -- of that date, a complete month, looked up in the roll-up by its key.
    select s.*,
      case
        when s.prev_reading_date is null then null
        when s.prev_row_last_date = s.prev_reading_date then s.prev_row_last
        else (
          select v.odo_last
          from fleet.vehicle_months v
          where v.client_id = $1 and v.gov_number = s.gov_number
            and v.month = date_trunc('month', s.prev_reading_date::timestamp)::date)
      end as prev_reading
    from (
      select f.gov_number, f.month, f.max_day_km, f.odo_readings, f.odo_first_date, f.odo_first, f.odo_max_rate,
        f.odo_min_step,
        max(f.odo_last_date) over (w rows between unbounded preceding and 1 preceding) as prev_reading_date,
        lag(f.odo_last_date) over w as prev_row_last_date,
        lag(f.odo_last) over w as prev_row_last,
        sum(f.fuel_rub) over v as vehicle_fuel_rub,
        sum(f.km) over v as vehicle_km
      from fleet.vehicle_month_facts($1, $2) f
      -- collate "C": the partition only groups, and byte order sorts faster than a locale
      window v as (partition by f.gov_number collate "C"), w as (partition by f.gov_number collate "C" order by f.month)
    ) s
  ),
  candidate_months as materialized (
    -- Screening: a month can hold a flagged reading only if one of its consecutive pairs jumps
    -- (odo_max_rate, the largest advance per elapsed day; >= for safety against the rounding of
    -- that quotient) or rolls back (odo_min_step), or if its first reading against the last one
    -- before the month does (the same test as below, exactly; should the previous value be
    -- missing, the month is read).
    -- A vehicle-day above max_km needs max_day_km above it.
    select c.*
    from (
      select m.gov_number, m.month, m.prev_reading_date, m.vehicle_fuel_rub, m.vehicle_km,
        coalesce(m.odo_readings > 0 and (
          m.odo_max_rate >= p.max_km
          or m.odo_min_step < -p.tol
          or (m.prev_reading_date is not null and (
            m.prev_reading is null
            or m.odo_first - m.prev_reading > p.max_km * greatest(m.odo_first_date - m.prev_reading_date, 1)
            or m.odo_first < m.prev_reading - p.tol))), false) as reading_candidate,
        m.max_day_km > p.max_km as mileage_candidate
      from month_screen m
      cross join params p
    ) c
    where c.reading_candidate or c.mileage_candidate
  ),
  readings as (
    -- the candidate months' readings (rows with odometer_km > 0 up to as_of) from the last reading
    -- before the month on, read through the primary key; in (date, reading) order, so several
    -- drivers' rows of a day never look like a rollback
    select c.month, c.vehicle_fuel_rub, c.vehicle_km, r.*
    from candidate_months c
    cross join lateral (
      select
        e.gov_number, e.date, e.odometer_km as odometer,
        lag(e.odometer_km) over w as prev_odometer,
        lag(e.date) over w as prev_date
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = c.gov_number
        and e.date >= coalesce(c.prev_reading_date, c.month)
        and e.date < (c.month + interval '1 month')::date and e.date <= $2
        and e.odometer_km > 0
      window w as (order by e.date, e.odometer_km)
    ) r
    where c.reading_candidate
  ),
  flagged as (
    select r.gov_number, r.date, r.odometer, r.prev_odometer, r.prev_date,
      -- the vehicle's fuel rubles per km up to as_of
      r.vehicle_fuel_rub / nullif(r.vehicle_km, 0) as rub_per_km
    from readings r
    cross join params p
    where r.date >= r.month
      and (r.odometer - r.prev_odometer > p.max_km * greatest(r.date - r.prev_date, 1)
        or r.odometer < r.prev_odometer - p.tol)
  ),
  reported_km as (
    -- km reported after the previous reading up to and including this day (index range reads for
    -- the flagged readings only)
    select f.*, b.km_between
    from flagged f
    cross join lateral (
      select coalesce(sum(x.daily_distance), 0) as km_between
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date > f.prev_date and x.date <= f.date
    ) b
  ),
  mileage as (
    -- vehicle-days over max_km, looked for among the days with a row above half of it, in the
    -- candidate months (index range reads)
    select c.gov_number, d.date, d.km
    from candidate_months c
    cross join params p
    cross join lateral (
      select x.date, sum(x.daily_distance) as km, bool_or(x.daily_distance > p.max_km / 2) as half_row
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number
        and x.date >= c.month and x.date < (c.month + interval '1 month')::date and x.date <= $2
      group by x.date
    ) d
    where c.mileage_candidate and d.half_row and d.km > p.max_km
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
set jit = off
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
  judged as materialized (
    -- The vehicle-months judged (km >= min_km). Their sums come from the roll-up
    -- (sql/expense_rollups.sql: the sums, has_liters — every row with fuel bought has litres — and
    -- the priced sums over the rows up to as_of), never from the expense rows. The corrections
    -- only matter with a norm: computed for those rows alone. value is the peer metric: rubles per
    -- corrected norm litre when the vehicle has a norm (the norm takes out the spread of
    -- consumption within a type), else rubles per km; value_f its float8, the type the peer
    -- statistics compare in (converted once here rather than at every comparison).
    select n.*, n.fuel_rub / n.base as value, (n.fuel_rub / n.base)::float8 as value_f
    from (
      select c.*,
        c.norm_l_100km is not null as normed,
        case when c.norm_l_100km is not null then c.norm_l_100km * c.km / 100 * (1 + c.winter_corr + c.age_corr) else c.km end as base
      from (
        select
          f.gov_number,
          f.month,
          f.km,
          f.fuel_rub,
          f.liters,
          f.has_liters,
          -- byte order ("C"): the type only groups and joins, and memcmp sorts far faster than a locale
          coalesce(v.vehicle_type, f.vehicle_type, '') collate "C" as vehicle_type,
          nullif(v.fuel_consumption, 0) as norm_l_100km,
          v.release_year,
          case when nullif(v.fuel_consumption, 0) is not null then
            case when extract(month from f.month)::int = any (p.winter_months) then p.winter_correction else 0 end
          end as winter_corr,
          case when nullif(v.fuel_consumption, 0) is not null then
            case
              when extract(year from f.month)::int - v.release_year > p.age_years_2 then p.age_correction_2
              when extract(year from f.month)::int - v.release_year > p.age_years_1 then p.age_correction_1
              else 0
            end
          end as age_corr
        from fleet.vehicle_month_facts($1, $2) f
        cross join params p
        left join fleet.vehicles v on v.client_id = $1 and v.gov_number = f.gov_number
        where f.km >= p.min_km
      ) c
    ) n
  ),
  norm_judged as (
    select j.*
    from judged j
    where j.normed and j.has_liters and j.liters > 0
  ),
  vehicle_price as (
    -- the vehicle's own price per litre over all its months (the roll-up's priced sums), for the
    -- vehicles judged by the norm only
    select f.gov_number, sum(f.priced_rub) / nullif(sum(f.priced_liters), 0) as rub_per_liter
    from fleet.vehicle_month_facts($1, $2) f
    where f.gov_number in (select n.gov_number from norm_judged n)
    group by f.gov_number
  ),
  norm_mode as (
    select j.*, vp.rub_per_liter, j.base as norm_liters
    from norm_judged j
    left join vehicle_price vp on vp.gov_number = j.gov_number
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
  peer_medians as (
    -- one sort per peer group (type, month, normed); each group keeps its values for its MAD
    select b.vehicle_type, b.month, b.normed, count(*) as peers,
      percentile_cont(0.5) within group (order by b.value_f) as median,
      array_agg(b.value_f) as peer_values
    from judged b
    group by b.vehicle_type, b.month, b.normed
  ),
  peer_mad as materialized (
    select pm.vehicle_type, pm.month, pm.normed, pm.peers, pm.median,
      (select percentile_cont(0.5) within group (order by abs(x.value - pm.median)) from unnest(pm.peer_values) x (value)) as mad
    from peer_medians pm
  ),
  peer_flags as (
    select
      b.gov_number, b.month, b.fuel_rub as observed, pm.median * b.base as expected,
      b.fuel_rub - pm.median * b.base as rub_at_stake,
      b.value_f / pm.median - 1 as excess,
      jsonb_build_object(
        'mode', 'peers',
        'unit', 'rub',
        'reason', case when b.normed then 'no_liters' else 'no_norm' end,
        'metric', case when b.normed then 'rub_per_norm_liter' else 'rub_per_km' end,
        'vehicle_type', b.vehicle_type,
        'km', round(b.km, 1),
        'fuel_rub', round(b.fuel_rub, 2),
        'norm_liters', case when b.normed then round(b.base, 2) end,
        'value', round(b.value, 3),
        'peer_median', round(pm.median::numeric, 3),
        'peer_mad', round(pm.mad::numeric, 3),
        'peers', pm.peers
      ) as details
    from judged b
    join peer_mad pm using (vehicle_type, month, normed)
    cross join params p
    where not (b.normed and b.has_liters and b.liters > 0)
      and pm.peers >= p.min_peers
      and pm.median > 0
      and b.value_f >= pm.median * (1 + case when b.normed then p.norm_peer_ratio else p.peer_ratio end)
      and b.value_f > pm.median + p.peer_mad_k * 1.4826 * pm.mad
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
set jit = off
as $$
  with params as materialized (
    select
      fleet.setting($1, 'idle_fuel.max_km') as max_km,
      fleet.setting($1, 'idle_fuel.min_days') as min_days,
      fleet.setting($1, 'idle_fuel.severity_medium') as sev_medium,
      fleet.setting($1, 'idle_fuel.severity_high') as sev_high
  ),
  candidate_months as (
    -- Screening from the roll-up (sql/expense_rollups.sql): fuel_day_low_km holds the (at most 8)
    -- lowest vehicle-day km of the month's days with fuel bought (the day's fuel > 0), ascending, so
    -- the month has min_days idle days with fuel exactly when its min_days-th value is below max_km.
    -- With min_days above 8 the 8th value bounds it (a superset; the count below decides).
    select f.gov_number, f.month
    from fleet.vehicle_month_facts($1, $2) f
    cross join params p
    where f.fuel_day_low_km[least(greatest(ceil(p.min_days), 1), 8)::int] < p.max_km
  ),
  vehicle_days as (
    -- the candidate months' vehicle-days up to as_of (index range reads of the primary key): a
    -- day's km, fuel and litres over all its rows (several drivers' rows may share a vehicle-day)
    select c.gov_number, c.month, d.date, d.km, d.fuel_rub, d.liters
    from candidate_months c
    cross join lateral (
      select x.date, sum(x.daily_distance) as km, sum(x.fuel) as fuel_rub, sum(x.fuel_liters) as liters
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number
        and x.date >= c.month and x.date < (c.month + interval '1 month')::date and x.date <= $2
      group by x.date
    ) d
  ),
  vehicle_month as (
    -- per candidate month: the idle days with fuel (km < max_km, fuel > 0), the month's fuel and
    -- zero-km days; flagged from min_days idle days with fuel
    select
      v.gov_number,
      v.month,
      count(*) filter (where v.km < p.max_km and v.fuel_rub > 0) as idle_days,
      sum(v.fuel_rub) filter (where v.km < p.max_km and v.fuel_rub > 0) as idle_rub,
      sum(v.liters) filter (where v.km < p.max_km and v.fuel_rub > 0) as idle_liters,
      jsonb_agg(to_char(v.date, 'YYYY-MM-DD') order by v.date) filter (where v.km < p.max_km and v.fuel_rub > 0) as dates,
      sum(v.fuel_rub) as fuel_rub,
      count(*) filter (where v.km < p.max_km) as zero_km_days
    from vehicle_days v
    cross join params p
    group by v.gov_number, v.month, p.max_km, p.min_days
    having count(*) filter (where v.km < p.max_km and v.fuel_rub > 0) >= p.min_days
      and count(*) filter (where v.km < p.max_km and v.fuel_rub > 0) > 0
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
set jit = off
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
    -- the rows with both fuel rubles and litres, summed per vehicle-month by the roll-up
    -- (sql/expense_rollups.sql: priced_rub, priced_liters, priced_vehicle_type); a vehicle-month
    -- without such rows has null priced sums
    select
      f.gov_number,
      f.month,
      f.priced_rub as fuel_rub,
      f.priced_liters as liters,
      f.priced_vehicle_type as expense_vehicle_type
    from fleet.vehicle_month_facts($1, $2) f
    where f.priced_liters is not null
  ),
  priced as (
    -- price_f: the price as float8, the type the peer statistics compare in (converted once here
    -- rather than at every comparison)
    select vm.gov_number, vm.month, vm.fuel_rub, vm.liters, (vm.fuel_rub / vm.liters)::float8 as price_f,
      -- byte order ("C"): the type only groups and joins, and memcmp sorts far faster than a locale
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') collate "C" as vehicle_type
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    where vm.liters >= p.min_liters
  ),
  peer_medians as (
    -- both peer groups in one pass: (month, vehicle type) and the whole month; each group keeps
    -- its members (parallel arrays) for its MAD and for finding those above its thresholds, so no
    -- vehicle-month is joined back to its groups
    select pr.month, pr.vehicle_type, grouping(pr.vehicle_type) = 1 as whole_month,
      count(*) as peers, percentile_cont(0.5) within group (order by pr.price_f) as median,
      array_agg(pr.price_f) as prices_f, array_agg(pr.gov_number) as gov_numbers,
      array_agg(pr.vehicle_type) as vehicle_types, array_agg(pr.fuel_rub) as fuel_rubs, array_agg(pr.liters) as liters
    from priced pr
    group by grouping sets ((pr.month, pr.vehicle_type), (pr.month))
  ),
  peer_stats as materialized (
    select pm.*,
      (select percentile_cont(0.5) within group (order by abs(x.price_f - pm.median)) from unnest(pm.prices_f) x (price_f)) as mad
    from peer_medians pm
  ),
  above as (
    -- each group's members priced above its median + k·MAD and at least min_excess above it
    select ps.month, ps.whole_month, ps.peers, ps.median, ps.mad, x.*
    from peer_stats ps
    cross join params p
    cross join lateral unnest(ps.prices_f, ps.gov_numbers, ps.vehicle_types, ps.fuel_rubs, ps.liters)
      as x (price_f, gov_number, vehicle_type, fuel_rub, liters)
    where x.price_f > ps.median + p.mad_k * 1.4826 * ps.mad
      and x.price_f >= ps.median * (1 + p.min_excess)
  ),
  judged as (
    -- each vehicle-month's peer group: its type in the month when the type has min_peers
    -- vehicle-months there, else the whole month
    select a.*, a.fuel_rub / a.liters as price,
      case when a.whole_month then 'client' else 'vehicle_type' end as peer_group
    from above a
    cross join params p
    join peer_stats ts on not ts.whole_month and ts.month = a.month and ts.vehicle_type = a.vehicle_type
    where (a.whole_month and ts.peers < p.min_peers) or (not a.whole_month and ts.peers >= p.min_peers)
  )
  select
    null::bigint, $1, 'price_per_liter', 'vehicle', j.gov_number, j.month, (j.month + interval '1 month - 1 day')::date,
    round(j.price, 2), round(j.median::numeric, 2),
    case when j.price_f >= j.median * (1 + p.sev_high) then 'high' when j.price_f >= j.median * (1 + p.sev_medium) then 'medium' else 'low' end,
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
  order by j.month, j.gov_number
$$;
comment on function fleet.anomaly_price_per_liter(text, date) is 'Rule price_per_liter: vehicle-months paying per litre more than the month''s median of the same vehicle type (else of the client) + k·MAD and ≥ min_excess above it; rubles at stake = excess price × litres.';
--! EndIncluded anomaly_price_per_liter.sql
--! Included analysis_data_quality.sql
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
--! EndIncluded analysis_data_quality.sql
--! Included analysis_downtime_find.sql
-- downtime_find (ANALYSES.md #16): per year, month and vehicle, the vehicle-days without kilometres
-- ("count") and the total cost of those days ("sum" — money only; the old code also added
-- kilometres and 0/1 flags into it). A vehicle-day is zero-km when none of its rows has
-- daily_distance > 0. Grain: year → month ("MM") → gov_number; only vehicles with zero-km days,
-- by gov_number; months without downtime are absent.
-- Speed (1M rows: ~33k vehicle-months, 1.3 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_downtime_find(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      vm.month,
      json_object_agg(
        vm.gov_number,
        json_build_object('sum', round(vm.zero_km_cost, 2), 'count', vm.zero_km_days)
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.zero_km_days > 0
    group by vm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.vehicles order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_downtime_find(text, date) is 'downtime_find: per month and vehicle, zero-km vehicle-days and their total cost.';
--! EndIncluded analysis_downtime_find.sql
--! Included analysis_fuel_effectiveness.sql
-- fuel_effectiveness (ANALYSES.md #4): kilometres per ruble of fuel, per vehicle per month (null
-- when the vehicle bought no fuel that month). Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), every vehicle with rows that month, by gov_number.
-- Speed (1M rows: ~33k vehicle-months, 1.1 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_fuel_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      vm.month,
      json_object_agg(
        vm.gov_number,
        (vm.daily_distance / nullif(vm.fuel, 0))::float8
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.vehicles order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_fuel_effectiveness(text, date) is 'fuel_effectiveness: per month and vehicle, km per ruble of fuel (null without fuel spend).';
--! EndIncluded analysis_fuel_effectiveness.sql
--! Included analysis_high_salary_data.sql
-- high_salary_data (ANALYSES.md #1): drivers paid abnormally much in a month. A driver is flagged
-- in month m when their salary that month is above the Tukey "far out" fence Q3 + 3·IQR of the
-- month salaries of the drivers paid more than 0 in m (quartiles by linear interpolation,
-- percentile_cont, over the drivers who have pay that month only). "median" is the driver's median
-- monthly salary over their months with pay > 0. Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), {} when nobody is flagged; flagged drivers by salary desc, then name.
-- Speed (1M rows: ~38k paid driver-months, a few hundred flagged): medians only for the drivers
-- flagged somewhere (not a sort of every driver's months by name), the months grouped by date.
create or replace function fleet.analysis_high_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with months as (
    select m.month
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
  flagged_driver_months as (
    select p.month, p.driver, p.salary
    from paid_driver_months p
    join fences f using (month)
    where p.salary::float8 > f.fence
  ),
  driver_medians as (
    select p.driver, percentile_cont(0.5) within group (order by p.salary) as median
    from paid_driver_months p
    where p.driver in (select fd.driver from flagged_driver_months fd)
    group by p.driver
  ),
  flagged as (
    select
      fd.month,
      json_object_agg(
        fd.driver,
        json_build_object('median', round(dm.median::numeric, 2), 'value', round(fd.salary, 2))
        order by fd.salary desc, fd.driver collate "C"
      ) as drivers
    from flagged_driver_months fd
    join driver_medians dm using (driver)
    group by fd.month
  )
  select coalesce(
    json_object_agg(to_char(m.month, 'YYYY-MM'), coalesce(f.drivers, '{}'::json) order by m.month),
    '{}'::json
  )
  from months m
  left join flagged f using (month)
$$;
comment on function fleet.analysis_high_salary_data(text, date) is 'high_salary_data: per month the drivers whose salary exceeds Q3 + 3·IQR of that month''s paid drivers, with their median monthly salary.';
--! EndIncluded analysis_high_salary_data.sql
--! Included analysis_month_drivers_fine.sql
-- month_drivers_fine (ANALYSES.md #6): fines per driver per month, only drivers with a non-zero sum,
-- ordered by sum desc (then name). Grain: one key per month in which some driver has fines
-- ("YYYY-MM"); months without fines are absent.
-- Speed (1M rows: ~38k driver-months, 0.9 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_month_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(dm.driver, round(dm.fines, 2) order by dm.fines desc, dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_month_drivers_fine(text, date) is 'month_drivers_fine: per month the drivers with fines and their sum, by sum desc.';
--! EndIncluded analysis_month_drivers_fine.sql
--! Included analysis_salary_data.sql
-- salary_data (ANALYSES.md #10): salary per driver per month, every (non-empty) driver with rows
-- that month, by name. Grain: year → month ("MM") → driver, months with driver rows up to as_of.
-- Speed (1M rows: ~38k driver-months, 1.6 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(dm.driver, round(dm.calculated_salary, 2) order by dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_salary_data(text, date) is 'salary_data: per year and month every driver''s salary.';
--! EndIncluded analysis_salary_data.sql
--! Included analysis_salary_effectiveness.sql
-- salary_effectiveness (ANALYSES.md #5): kilometres per ruble of salary, per driver per month (null
-- when the driver was paid nothing that month). Grain: one key per month with driver rows up to
-- as_of ("YYYY-MM"), every (non-empty) driver with rows that month, by name.
-- Speed (1M rows: ~38k driver-months, 2 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_salary_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(
        dm.driver,
        (dm.daily_distance / nullif(dm.calculated_salary, 0))::float8
        order by dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_salary_effectiveness(text, date) is 'salary_effectiveness: per month and driver, km per ruble of salary (null without salary).';
--! EndIncluded analysis_salary_effectiveness.sql
--! Included analysis_top_drivers_fines_by_month.sql
-- top_drivers_fines_by_month (ANALYSES.md #21): per year, month and driver with fines, the sum of
-- fines and the number of days with a fine (distinct days with a fine row on any vehicle), ordered
-- by sum desc (then name). Grain: year → month ("MM") → driver; months without fines are absent.
-- Speed (1M rows: ~38k driver-months, 1.5 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_top_drivers_fines_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(
        dm.driver,
        json_build_object('sum', round(dm.fines, 2), 'count', dm.fine_days)
        order by dm.fines desc, dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
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
-- Speed (1M rows: ~38k driver-months, 1.9 MB of JSON): grouped by the month date, not by its
-- "YYYY"/"MM" texts (the sort for the grouping then compares dates, not strings by locale), with
-- work_mem enough to sort in memory.
create or replace function fleet.analysis_top_drivers_salary_efficiency(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with efficiency as (
    select dm.month, dm.driver, dm.daily_distance / dm.calculated_salary as km_per_rub
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.calculated_salary > 0
  ),
  bounds as (
    select min(e.km_per_rub) as lo, max(e.km_per_rub) as hi
    from efficiency e
  ),
  scored as (
    select e.month, e.driver, ((e.km_per_rub - b.lo) / nullif(b.hi - b.lo, 0))::float8 as score
    from efficiency e
    cross join bounds b
  ),
  by_month as (
    select
      s.month,
      json_object_agg(s.driver, s.score order by s.score desc nulls last, s.driver collate "C") as drivers
    from scored s
    group by s.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_salary_efficiency(text, date) is 'top_drivers_salary_efficiency: per month the drivers'' km per salary ruble, min-max normalised over all driver-months, desc.';
--! EndIncluded analysis_top_drivers_salary_efficiency.sql
--! Included analysis_vehicle_efficiency_per_year.sql
-- vehicle_efficiency_per_year (ANALYSES.md #18): per year and vehicle, kilometres per 100 rubles of
-- total cost (null when the vehicle cost nothing that year). Grain: year → gov_number, every
-- vehicle with rows that year, by gov_number.
-- Speed (1M rows: ~33k vehicle-months): grouped by vehicle and year in byte order (collate "C":
-- only equality matters there; the output order is the aggregate's own ORDER BY), vehicle first, so
-- the sort for the grouping compares bytes of mostly distinct names, not strings by locale that
-- tie on the year, in memory (work_mem).
create or replace function fleet.analysis_vehicle_efficiency_per_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with vehicle_years as (
    select vm.year collate "C" as year, vm.gov_number collate "C" as gov_number, sum(vm.daily_distance) as km, sum(vm.total_cost) as total_cost
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by 2, 1
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
--! Included analysis_vehicle_usage_by_month.sql
-- vehicle_usage_by_month (ANALYSES.md #15, Каршеринг only): per year, month and vehicle, the days the
-- vehicle drove (vehicle-days with daily_distance > 0) and the kilometres. Grain: year → month
-- ("MM") → gov_number; only vehicles that drove that month, by gov_number; months without any
-- driving are absent.
-- Speed (1M rows: ~33k vehicle-months, 1.3 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_vehicle_usage_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      vm.month,
      json_object_agg(
        vm.gov_number,
        json_build_object('days_used', vm.driven_days, 'total_distance', round(vm.daily_distance, 2))
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.driven_days > 0
    group by vm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.vehicles order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_usage_by_month(text, date) is 'vehicle_usage_by_month: per month and vehicle, days driven (km > 0) and km.';
--! EndIncluded analysis_vehicle_usage_by_month.sql
--! Included analysis_year_drivers_fine.sql
-- year_drivers_fine (ANALYSES.md #7): fines per driver per year, every (non-empty) driver with rows
-- that year (0 when no fines), ordered by sum desc (then name). Grain: one key per calendar year
-- with driver rows up to as_of.
-- Speed (1M rows: ~38k driver-months): grouped by driver and year in byte order (collate "C":
-- only equality matters there; the output order is the aggregate's own ORDER BY), driver first, so
-- the sort for the grouping compares bytes of mostly distinct names, not strings by locale that
-- tie on the year, in memory (work_mem).
create or replace function fleet.analysis_year_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with driver_years as (
    select dm.year collate "C" as year, dm.driver collate "C" as driver, sum(dm.fines) as fines
    from fleet.expenses_by_driver_month($1, $2) dm
    group by 2, 1
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
--    "vehicles": [{"id", "km", "fuel", "maintenance", "downtime_cost", "total"}, …]  -- by id (bytes)
--    "drivers":  [{"id", "km", "fuel", "fines", "fine_days"}, …]}                   -- by id (bytes)
-- Grain: one document per client; vehicles = distinct gov_number, drivers = distinct non-empty
-- driver, all-time figures up to as_of. downtime_cost = total cost on vehicle-days without
-- kilometres; fine_days = distinct days with fines. Empty client: year null, empty arrays.
-- Plain SQL (not plpgsql): the planner inlines the intermediates with the actual client and date,
-- which inside an analyze run reads the transaction's cache (10× faster at 1M rows than plpgsql).
-- Speed (1M rows: 33k vehicle-months, 38k driver-months): jit off — the planner costs the
-- intermediates' uncached branch (a scan of every expense row) and would JIT-compile ~100
-- functions (~100 ms more than the whole query) for what reads a few thousand cached rows; the
-- vehicles and drivers are grouped by their names in byte order (collate "C": only equality
-- matters, TypeScript orders them itself), by hashing: enable_sort off because the planner, which
-- cannot know the cached intermediate's row count, would otherwise sort 33k vehicle-months by name
-- to group them.
create or replace function fleet.recommendation_facts(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
set enable_sort = off
as $$
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
        v.gov_number collate "C" as id,
        sum(v.daily_distance) as km,
        sum(v.fuel) as fuel,
        sum(v.maintenance) as maintenance,
        sum(v.zero_km_cost) as downtime_cost,
        sum(v.total_cost) as total
      from fleet.expenses_by_vehicle_month($1, $2) v
      group by 1
    ),
    drivers as (
      select
        d.driver collate "C" as id,
        sum(d.daily_distance) as km,
        sum(d.fuel) as fuel,
        sum(d.fines) as fines,
        sum(d.fine_days)::int as fine_days
      from fleet.expenses_by_driver_month($1, $2) d
      group by 1
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
$$;
comment on function fleet.recommendation_facts(text, date) is 'The aggregates of recommendations / recommendations_detail as json: the budget year (latest with December data) and its total, per-vehicle km, fuel, maintenance, downtime cost, per-driver km, fuel, fines, fine days (all time up to as_of).';
--! EndIncluded recommendation_facts.sql
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
set jit = off
as $$
  with params as materialized (
    select fleet.setting($1, 'data_quality.min_gap_days') as min_gap_days
  ),
  vehicle_month as materialized (
    -- from the vehicle-month roll-up; day_mask bit d-1 = a row on day d
    select v.gov_number, v.month, v.total_cost as total, v.expense_rows as rows, v.day_mask
    from fleet.vehicle_month_facts($1, $2) v
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
set jit = off
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
    -- from the driver-month roll-up: its day masks are OR-ed over the driver's vehicles, so a day
    -- counts once
    select
      d.driver,
      d.month,
      d.fines,
      d.daily_distance as km,
      d.driven_mask as worked_mask,
      d.fine_mask,
      d.day_mask::bit(32)::text as days
    from fleet.driver_months_upto($1, $2) d
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
