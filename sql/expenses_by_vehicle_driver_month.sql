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

-- fleet.day_count counted a mask's days for the roll-ups the intermediates used to compute; the
-- roll-ups (sql/rollup_select.sql) count them now.
drop function if exists fleet.day_count(int);
