-- top_drivers_fines_by_month (ANALYSES.md #21): per year, month and driver with fines, the sum of
-- fines and the number of days with a fine (distinct days with a fine row on any vehicle), ordered
-- by sum desc (then name). Grain: year → month ("MM") → driver; months without fines are absent.
create or replace function fleet.analysis_top_drivers_fines_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.year,
      dm.mm,
      json_object_agg(
        dm.driver,
        json_build_object('sum', round(dm.fines, 2), 'count', dm.fine_days)
        order by dm.fines desc, dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.year, dm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.drivers order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_top_drivers_fines_by_month(text, date) is 'top_drivers_fines_by_month: per month the drivers with fines, sum and days with fines, by sum desc.';
