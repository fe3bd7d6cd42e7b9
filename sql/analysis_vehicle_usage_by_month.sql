-- vehicle_usage_by_month (ANALYSES.md #15, Каршеринг only): per year, month and vehicle, the days the
-- vehicle drove (vehicle-days with daily_distance > 0) and the kilometres. Grain: year → month
-- ("MM") → gov_number; only vehicles that drove that month, by gov_number; months without any
-- driving are absent.
-- Speed (1M rows: ~33k vehicle-months, 1.3 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_vehicle_usage_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      vm.month,
      json_object_agg(
        vm.gov_number,
        json_build_object('days_used', vm.driven_days, 'total_distance', round(vm.daily_distance, 2))
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.driven_days > 0
    group by vm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.vehicles order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_usage_by_month(text, date) is 'vehicle_usage_by_month: per month and vehicle, days driven (km > 0) and km.';
