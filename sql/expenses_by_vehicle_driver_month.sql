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
-- fleet.expenses_vehicle_driver_month_from_rows reads it from the trigger-maintained roll-up
-- fleet.expense_months (sql/expense_rollups.sql: the one definition); fleet.expenses_by_vehicle_driver_month returns the per-transaction cached copy when
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
language sql stable
as $$
  select
    r.gov_number,
    r.driver,
    r.month,
    r.fuel,
    r.calculated_salary,
    r.fines,
    r.maintenance,
    r.daily_distance,
    r.fuel_liters,
    r.total_cost,
    r.expense_rows,
    r.day_mask,
    r.driven_mask,
    r.fine_mask,
    r.zero_km_cost,
    r.zero_km_fuel
  from fleet.expense_months_upto($1, $2) r
$$;
comment on function fleet.expenses_vehicle_driver_month_from_rows(text, date) is 'fleet.expenses_by_vehicle_driver_month from the roll-up fleet.expense_months (no per-transaction cache).';

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
