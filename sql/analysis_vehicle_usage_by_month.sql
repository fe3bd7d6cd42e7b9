-- vehicle_usage_by_month (ANALYSES.md #15, Каршеринг only): per year, month and vehicle, the days the
-- vehicle drove (vehicle-days with daily_distance > 0) and the kilometres. Grain: year → month
-- ("MM") → gov_number; only vehicles that drove that month, by gov_number; months without any
-- driving are absent.
create or replace function fleet.analysis_vehicle_usage_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      vm.year,
      vm.mm,
      json_object_agg(
        vm.gov_number,
        json_build_object('days_used', vm.driven_days, 'total_distance', round(vm.daily_distance, 2))
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    where vm.driven_days > 0
    group by vm.year, vm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.vehicles order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_usage_by_month(text, date) is 'vehicle_usage_by_month: per month and vehicle, days driven (km > 0) and km.';
