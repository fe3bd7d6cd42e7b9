-- top_drivers_fines_by_month (ANALYSES.md #21): per year, month and driver with fines, the sum of
-- fines and the number of days with a fine (distinct days with a fine row on any vehicle), ordered
-- by sum desc (then name). Grain: year → month ("MM") → driver; months without fines are absent.
-- Speed (1M rows: ~38k driver-months, 1.5 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_top_drivers_fines_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(
        dm.driver,
        json_build_object('sum', round(dm.fines, 2), 'count', dm.fine_days)
        order by dm.fines desc, dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_fines_by_month(text, date) is 'top_drivers_fines_by_month: per month the drivers with fines, sum and days with fines, by sum desc.';
