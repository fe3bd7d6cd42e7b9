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
