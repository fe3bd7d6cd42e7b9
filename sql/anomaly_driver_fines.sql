-- Rule driver_fines: drivers whose fines per 1,000 km are far above the client's other drivers —
-- above the median + k·MAD (scaled MAD) and at least min_ratio × the median — and whose fines per
-- working day are above the drivers' median too (a driver who simply drives more gets more fines
-- per day, not per km: not flagged). Over the client's whole data up to as_of; drivers with fewer
-- than min_km km are neither judged nor peers. Rubles at stake = fines − median rate × km / 1000.
-- Grain: one row per flagged driver (period = the driver's first to last day).
create or replace function fleet.anomaly_driver_fines(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
set jit = off
as $$
  with params as materialized (
    select
      fleet.setting($1, 'driver_fines.mad_k') as mad_k,
      fleet.setting($1, 'driver_fines.min_ratio') as min_ratio,
      fleet.setting($1, 'driver_fines.min_km') as min_km,
      fleet.setting($1, 'driver_fines.min_peers') as min_peers,
      fleet.setting($1, 'driver_fines.severity_medium') as sev_medium,
      fleet.setting($1, 'driver_fines.severity_high') as sev_high
  ),
  driver_month as (
    -- from the driver-month roll-up: its day masks are OR-ed over the driver's vehicles, so a day
    -- counts once
    select
      d.driver,
      d.month,
      d.fines,
      d.daily_distance as km,
      d.driven_mask as worked_mask,
      d.fine_mask,
      d.day_mask::bit(32)::text as days
    from fleet.driver_months_upto($1, $2) d
  ),
  driver_total as (
    -- bit d-1 of a mask = day d: the first day is the lowest set bit, the last the highest
    select
      dm.driver,
      sum(dm.fines) as fines,
      sum(dm.km) as km,
      sum(bit_count(dm.worked_mask::bit(32))) as working_days,
      sum(bit_count(dm.fine_mask::bit(32))) as fine_days,
      min(dm.month + (32 - length(rtrim(dm.days, '0')))) as first_date,
      max(dm.month + (length(ltrim(dm.days, '0')) - 1)) as last_date
    from driver_month dm
    group by dm.driver
  ),
  judged as (
    select
      d.*,
      d.fines / d.km * 1000 as per_1000km,
      d.fines / nullif(d.working_days, 0) as per_day
    from driver_total d
    cross join params p
    where d.km >= p.min_km
  ),
  stats as (
    select
      count(*) as drivers,
      percentile_cont(0.5) within group (order by j.per_1000km) as median,
      percentile_cont(0.5) within group (order by j.per_day) as median_per_day
    from judged j
  ),
  mad as (
    select percentile_cont(0.5) within group (order by abs(j.per_1000km - s.median)) as mad
    from judged j
    cross join stats s
  )
  select
    null::bigint, $1, 'driver_fines', 'driver', j.driver, j.first_date, j.last_date,
    round(j.per_1000km, 2), round(s.median::numeric, 2),
    case
      when j.per_1000km >= p.sev_high * s.median then 'high'
      when j.per_1000km >= p.sev_medium * s.median then 'medium'
      else 'low'
    end,
    round(greatest(j.fines - s.median::numeric * j.km / 1000, 0), 2),
    jsonb_build_object(
      'unit', 'rub_per_1000km',
      'fines_rub', round(j.fines, 2),
      'km', round(j.km, 1),
      'working_days', j.working_days,
      'fine_days', j.fine_days,
      'fines_per_1000km', round(j.per_1000km, 2),
      'median_per_1000km', round(s.median::numeric, 2),
      'mad_per_1000km', round(m.mad::numeric, 2),
      'fines_per_working_day', round(j.per_day, 2),
      'median_per_working_day', round(s.median_per_day::numeric, 2),
      'ratio_to_median', round(j.per_1000km / nullif(s.median::numeric, 0), 2),
      'drivers_compared', s.drivers
    ),
    now()
  from judged j
  cross join stats s
  cross join mad m
  cross join params p
  where s.drivers >= p.min_peers
    and s.median > 0
    and j.per_1000km > s.median + p.mad_k * 1.4826 * m.mad
    and j.per_1000km >= p.min_ratio * s.median
    and j.per_day > s.median_per_day
  order by j.driver
$$;
comment on function fleet.anomaly_driver_fines(text, date) is 'Rule driver_fines: drivers whose fines per 1,000 km exceed the drivers'' median + k·MAD and min_ratio × median (and whose fines per working day are above the median); rubles at stake = fines above the median rate.';
