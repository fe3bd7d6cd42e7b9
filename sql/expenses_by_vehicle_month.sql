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
