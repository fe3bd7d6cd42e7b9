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
