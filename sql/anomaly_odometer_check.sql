-- Rule odometer_check: impossible odometer readings and mileage, where the data has them. Per
-- vehicle, readings (odometer_km > 0) in date order (a day's rows by reading): a reading lower
-- than the previous one by more than the tolerance (rollback), or an advance of more than
-- max_km_per_day per elapsed day (jump); and any vehicle-day whose daily_distance exceeds
-- max_km_per_day (looked for among the days with a row above half of it).
-- Rubles at stake: for a jump, the km it adds beyond the reported daily_distance × the vehicle's
-- fuel rubles per km (the fuel such phantom km could justify); rollbacks and impossible daily
-- mileage carry no direct rubles (0) but are severity high / medium.
-- Grain: one row per flagged vehicle-day.
create or replace function fleet.anomaly_odometer_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'odometer_check.max_km_per_day') as max_km,
      fleet.setting($1, 'odometer_check.backwards_tolerance_km') as tol
  ),
  readings as (
    -- one pass over the rows in (gov_number, date) order (the primary key's order; rows of one day
    -- by their reading, so several drivers' rows of a day never look like a rollback)
    select
      e.gov_number, e.date, e.odometer_km as odometer,
      lag(e.odometer_km) over w as prev_odometer,
      lag(e.date) over w as prev_date
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2 and e.odometer_km > 0
    -- collate "C": the partition only groups, and byte order sorts twice as fast as a locale's
    window w as (partition by e.gov_number collate "C" order by e.date, e.odometer_km)
  ),
  flagged as (
    select r.*
    from readings r
    cross join params p
    where r.odometer - r.prev_odometer > p.max_km * greatest(r.date - r.prev_date, 1)
       or r.odometer < r.prev_odometer - p.tol
  ),
  reported_km as (
    -- km reported after the previous reading up to and including this day; the vehicle's fuel
    -- rubles per km (index range reads for the flagged vehicles only)
    select f.*, b.km_between, v.rub_per_km
    from flagged f
    cross join lateral (
      select coalesce(sum(x.daily_distance), 0) as km_between
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date > f.prev_date and x.date <= f.date
    ) b
    cross join lateral (
      select sum(x.fuel) / nullif(sum(x.daily_distance), 0) as rub_per_km
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date <= $2
    ) v
  ),
  mileage as (
    -- vehicle-days over max_km: checked where one of the day's rows has more than half of it
    select c.gov_number, c.date, d.km
    from (
      select distinct e.gov_number, e.date
      from fleet.expenses e
      cross join params p
      where e.client_id = $1 and e.date <= $2 and e.daily_distance > p.max_km / 2
    ) c
    cross join lateral (
      select sum(x.daily_distance) as km
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number and x.date = c.date
    ) d
    cross join params p
    where d.km > p.max_km
  ),
  events as (
    select
      rk.gov_number, rk.date,
      case when rk.odometer < rk.prev_odometer then 'backwards' else 'jump' end as kind,
      rk.odometer as observed,
      rk.prev_odometer + rk.km_between as expected,
      case when rk.odometer > rk.prev_odometer
        then greatest(rk.odometer - rk.prev_odometer - rk.km_between, 0) * coalesce(rk.rub_per_km, 0)
        else 0 end as rub_at_stake,
      jsonb_build_object(
        'reading_km', rk.odometer,
        'previous_reading_km', rk.prev_odometer,
        'previous_date', to_char(rk.prev_date, 'YYYY-MM-DD'),
        'delta_km', rk.odometer - rk.prev_odometer,
        'days', rk.date - rk.prev_date,
        'reported_km_between', rk.km_between,
        'fuel_rub_per_km', round(rk.rub_per_km, 3)
      ) as details
    from reported_km rk
    union all
    select
      m.gov_number, m.date, 'mileage', m.km, p.max_km, 0,
      jsonb_build_object('daily_distance_km', m.km)
    from mileage m
    cross join params p
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
