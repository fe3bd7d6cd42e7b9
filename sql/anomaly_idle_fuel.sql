-- Rule idle_fuel: fuel bought on days the vehicle did not move (vehicle-day km below
-- idle_fuel.max_km, 5 km) — the classic fuel-card theft pattern. Per vehicle-month: the idle days
-- with fuel, their rubles and litres; flagged from idle_fuel.min_days such days (a single top-up on
-- a day off is normal). Rubles at stake = the fuel rubles of those days.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_idle_fuel(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
as $$
  with params as materialized (
    select
      fleet.setting($1, 'idle_fuel.max_km') as max_km,
      fleet.setting($1, 'idle_fuel.min_days') as min_days,
      fleet.setting($1, 'idle_fuel.severity_medium') as sev_medium,
      fleet.setting($1, 'idle_fuel.severity_high') as sev_high
  ),
  vehicle_day as (
    select e.gov_number, e.date, sum(e.daily_distance) as km, sum(e.fuel) as fuel_rub, sum(e.fuel_liters) as liters
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2
    group by e.gov_number, e.date
  ),
  vehicle_month as (
    select
      vd.gov_number,
      date_trunc('month', vd.date::timestamp)::date as month,
      count(*) filter (where vd.km < p.max_km and vd.fuel_rub > 0) as idle_days,
      coalesce(sum(vd.fuel_rub) filter (where vd.km < p.max_km and vd.fuel_rub > 0), 0) as idle_rub,
      sum(vd.liters) filter (where vd.km < p.max_km and vd.fuel_rub > 0) as idle_liters,
      sum(vd.fuel_rub) as fuel_rub,
      count(*) filter (where vd.km < p.max_km) as zero_km_days,
      count(*) as days,
      jsonb_agg(to_char(vd.date, 'YYYY-MM-DD') order by vd.date) filter (where vd.km < p.max_km and vd.fuel_rub > 0) as dates
    from vehicle_day vd
    cross join params p
    group by vd.gov_number, 2
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
  where vm.idle_days >= p.min_days
  order by vm.month, vm.gov_number
$$;
comment on function fleet.anomaly_idle_fuel(text, date) is 'Rule idle_fuel: vehicle-months with fuel bought on ≥ min_days days without mileage (< max_km); rubles at stake = that fuel.';
