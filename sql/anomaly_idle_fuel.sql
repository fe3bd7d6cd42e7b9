-- Rule idle_fuel: fuel bought on days the vehicle did not move (vehicle-day km below
-- idle_fuel.max_km, 5 km) — the classic fuel-card theft pattern. Per vehicle-month: the idle days
-- with fuel, their rubles and litres; flagged from idle_fuel.min_days such days (a single top-up on
-- a day off is normal). Rubles at stake = the fuel rubles of those days.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_idle_fuel(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'idle_fuel.max_km') as max_km,
      fleet.setting($1, 'idle_fuel.min_days') as min_days,
      fleet.setting($1, 'idle_fuel.severity_medium') as sev_medium,
      fleet.setting($1, 'idle_fuel.severity_high') as sev_high
  ),
  candidate_days as (
    -- vehicle-days with a row buying fuel under max_km (a cheap filtered scan); the whole day is
    -- checked next (several drivers' rows may share a vehicle-day)
    select distinct e.gov_number, e.date
    from fleet.expenses e
    cross join params p
    where e.client_id = $1 and e.date <= $2 and e.fuel > 0 and e.daily_distance < p.max_km
  ),
  idle_days as (
    select c.gov_number, c.date, d.km, d.fuel_rub, d.liters
    from candidate_days c
    cross join lateral (
      select sum(x.daily_distance) as km, sum(x.fuel) as fuel_rub, sum(x.fuel_liters) as liters
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number and x.date = c.date
    ) d
    cross join params p
    where d.km < p.max_km and d.fuel_rub > 0
  ),
  flagged as (
    select
      i.gov_number,
      date_trunc('month', i.date::timestamp)::date as month,
      count(*) as idle_days,
      sum(i.fuel_rub) as idle_rub,
      sum(i.liters) as idle_liters,
      jsonb_agg(to_char(i.date, 'YYYY-MM-DD') order by i.date) as dates
    from idle_days i
    group by i.gov_number, 2
    having count(*) >= (select p.min_days from params p)
  ),
  vehicle_month as (
    -- the flagged vehicle-months' whole fuel and zero-km days (index range reads)
    select f.*, m.fuel_rub, m.zero_km_days
    from flagged f
    cross join lateral (
      select sum(y.fuel_rub) as fuel_rub, count(*) filter (where y.km < (select p.max_km from params p)) as zero_km_days
      from (
        select sum(x.fuel) as fuel_rub, sum(x.daily_distance) as km
        from fleet.expenses x
        where x.client_id = $1 and x.gov_number = f.gov_number
          and x.date >= f.month and x.date < (f.month + interval '1 month')::date and x.date <= $2
        group by x.date
      ) y
    ) m
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
