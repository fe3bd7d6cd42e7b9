-- Rule odometer_check: impossible odometer readings and mileage, where the data has them. Per
-- vehicle, readings (odometer_km > 0, the day's highest) in date order: a reading lower than the
-- previous one by more than the tolerance (rollback), or an advance of more than max_km_per_day
-- per elapsed day (jump); and any vehicle-day whose daily_distance exceeds max_km_per_day.
-- Rubles at stake: for a jump, the km it adds beyond the reported daily_distance × the vehicle's
-- fuel rubles per km (the fuel such phantom km could justify); rollbacks and impossible daily
-- mileage carry no direct rubles (0) but are severity high / medium.
-- Grain: one row per flagged vehicle-day.
create or replace function fleet.anomaly_odometer_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
as $$
  with params as materialized (
    select
      fleet.setting($1, 'odometer_check.max_km_per_day') as max_km,
      fleet.setting($1, 'odometer_check.backwards_tolerance_km') as tol
  ),
  vehicle_day as (
    select e.gov_number, e.date, max(e.odometer_km) filter (where e.odometer_km > 0) as odometer, sum(e.daily_distance) as km, sum(e.fuel) as fuel_rub
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2
    group by e.gov_number, e.date
  ),
  vehicle_rate as (
    select vd.gov_number, sum(vd.fuel_rub) / nullif(sum(vd.km), 0) as rub_per_km
    from vehicle_day vd
    group by vd.gov_number
  ),
  cumulative as (
    select vd.*, sum(vd.km) over (partition by vd.gov_number order by vd.date) as cum_km
    from vehicle_day vd
  ),
  readings as (
    select
      c.gov_number, c.date, c.odometer, c.km,
      lag(c.odometer) over w as prev_odometer,
      lag(c.date) over w as prev_date,
      -- km reported after the previous reading up to and including this day
      c.cum_km - lag(c.cum_km) over w as km_between
    from cumulative c
    where c.odometer is not null
    window w as (partition by c.gov_number order by c.date)
  ),
  reported_km as (
    select r.gov_number, r.date, r.odometer, r.prev_odometer, r.prev_date, r.km_between
    from readings r
    cross join params p
    where r.odometer - r.prev_odometer > p.max_km * (r.date - r.prev_date)
       or r.odometer < r.prev_odometer - p.tol
  ),
  events as (
    select
      rk.gov_number, rk.date,
      case when rk.odometer < rk.prev_odometer then 'backwards' else 'jump' end as kind,
      rk.odometer as observed,
      rk.prev_odometer + coalesce(rk.km_between, 0) as expected,
      case when rk.odometer > rk.prev_odometer
        then greatest(rk.odometer - rk.prev_odometer - coalesce(rk.km_between, 0), 0) * coalesce(vr.rub_per_km, 0)
        else 0 end as rub_at_stake,
      jsonb_build_object(
        'reading_km', rk.odometer,
        'previous_reading_km', rk.prev_odometer,
        'previous_date', to_char(rk.prev_date, 'YYYY-MM-DD'),
        'delta_km', rk.odometer - rk.prev_odometer,
        'days', rk.date - rk.prev_date,
        'reported_km_between', coalesce(rk.km_between, 0),
        'fuel_rub_per_km', round(vr.rub_per_km, 3)
      ) as details
    from reported_km rk
    left join vehicle_rate vr using (gov_number)
    union all
    select
      vd.gov_number, vd.date, 'mileage', vd.km, p.max_km, 0,
      jsonb_build_object('daily_distance_km', vd.km)
    from vehicle_day vd
    cross join params p
    where vd.km > p.max_km
  )
  select
    null::bigint, $1, 'odometer_check', 'vehicle', ev.gov_number, ev.date, ev.date,
    ev.observed, round(ev.expected, 1),
    case when ev.kind = 'backwards' then 'high' else 'medium' end,
    round(ev.rub_at_stake, 2),
    ev.details || jsonb_build_object('kind', ev.kind, 'max_km_per_day', p.max_km),
    now()
  from events ev
  cross join params p
  order by ev.date, ev.gov_number, ev.kind
$$;
comment on function fleet.anomaly_odometer_check(text, date) is 'Rule odometer_check: odometer rollbacks, advances above max_km_per_day per elapsed day, and daily_distance above max_km_per_day; rubles at stake = phantom km of a jump × the vehicle''s fuel rubles per km.';
