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
--   fleet.vehicle_months  per client, vehicle and month: the columns of
--                         fleet.expenses_by_vehicle_month, computed per vehicle-day, and facts that
--                         need the vehicle-day or the reading order across drivers — fuel-norm
--                         inputs, the largest vehicle-day mileage, the lowest mileages of days with
--                         fuel bought, odometer statistics, repair spend, day masks: settings-
--                         independent screening statistics a rule uses to pick the few
--                         vehicle-months worth reading day by day.
--   fleet.driver_months   per client, named driver and month (fleet.expenses_by_driver_month and the
--                         day masks), summed from fleet.expense_months.
-- One definition per roll-up: fleet.rollup_select(kind) (sql/rollup_select.sql) is the aggregate over
-- a row source. The triggers run it over the statement's inserted rows for months that had no rows
-- before (a first load aggregates what it inserts, without reading it back) and over
-- fleet.expenses for months that had rows. Reading as of a date (sql/expenses_cache.sql): a month is
-- complete for an as_of on or after its last day; the as_of month, when as_of is not its last day,
-- is aggregated from fleet.expenses up to as_of.

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

-- fleet.rollup_select(kind), the aggregate query of each roll-up (the one definition of its rows),
-- lives in sql/rollup_select.sql.


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

