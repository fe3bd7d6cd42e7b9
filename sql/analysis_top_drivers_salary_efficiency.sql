-- top_drivers_salary_efficiency (ANALYSES.md #22): per year, month and driver, kilometres per ruble
-- of salary min-max normalised over all the client's driver-months: (e - min) / (max - min), null
-- when every driver-month has the same efficiency (zero denominator). Driver-months with no salary
-- (≤ 0) are left out. Grain: year → month ("MM") → driver, ordered by score desc (then name).
-- Speed (1M rows: ~38k driver-months, 1.9 MB of JSON): grouped by the month date, not by its
-- "YYYY"/"MM" texts (the sort for the grouping then compares dates, not strings by locale), with
-- work_mem enough to sort in memory.
create or replace function fleet.analysis_top_drivers_salary_efficiency(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with efficiency as (
    select dm.month, dm.driver, dm.daily_distance / dm.calculated_salary as km_per_rub
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.calculated_salary > 0
  ),
  bounds as (
    select min(e.km_per_rub) as lo, max(e.km_per_rub) as hi
    from efficiency e
  ),
  scored as (
    select e.month, e.driver, ((e.km_per_rub - b.lo) / nullif(b.hi - b.lo, 0))::float8 as score
    from efficiency e
    cross join bounds b
  ),
  by_month as (
    select
      s.month,
      json_object_agg(s.driver, s.score order by s.score desc nulls last, s.driver collate "C") as drivers
    from scored s
    group by s.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_salary_efficiency(text, date) is 'top_drivers_salary_efficiency: per month the drivers'' km per salary ruble, min-max normalised over all driver-months, desc.';
