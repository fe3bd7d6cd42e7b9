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
