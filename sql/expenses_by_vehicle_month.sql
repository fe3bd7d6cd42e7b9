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
