-- month_drivers_fine (ANALYSES.md #6): fines per driver per month, only drivers with a non-zero sum,
-- ordered by sum desc (then name). Grain: one key per month in which some driver has fines
-- ("YYYY-MM"); months without fines are absent.
-- Speed (1M rows: ~38k driver-months, 0.9 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_month_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(dm.driver, round(dm.fines, 2) order by dm.fines desc, dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_month_drivers_fine(text, date) is 'month_drivers_fine: per month the drivers with fines and their sum, by sum desc.';
