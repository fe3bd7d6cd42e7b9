-- month_drivers_fine (ANALYSES.md #6): fines per driver per month, only drivers with a non-zero sum,
-- ordered by sum desc (then name). Grain: one key per month in which some driver has fines
-- ("YYYY-MM"); months without fines are absent.
create or replace function fleet.analysis_month_drivers_fine(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.month,
      dm.year || '-' || dm.mm as year_month,
      json_object_agg(dm.driver, round(dm.fines, 2) order by dm.fines desc, dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    where dm.fines <> 0
    group by dm.month, dm.year, dm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_month_drivers_fine(text, date) is 'month_drivers_fine: per month the drivers with fines and their sum, by sum desc.';
