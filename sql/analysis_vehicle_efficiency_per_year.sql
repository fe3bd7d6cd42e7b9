-- vehicle_efficiency_per_year (ANALYSES.md #18): per year and vehicle, kilometres per 100 rubles of
-- total cost (null when the vehicle cost nothing that year). Grain: year → gov_number, every
-- vehicle with rows that year, by gov_number.
-- Speed (1M rows: ~33k vehicle-months): grouped by vehicle and year in byte order (collate "C":
-- only equality matters there; the output order is the aggregate's own ORDER BY), vehicle first, so
-- the sort for the grouping compares bytes of mostly distinct names, not strings by locale that
-- tie on the year, in memory (work_mem).
create or replace function fleet.analysis_vehicle_efficiency_per_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with vehicle_years as (
    select vm.year collate "C" as year, vm.gov_number collate "C" as gov_number, sum(vm.daily_distance) as km, sum(vm.total_cost) as total_cost
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by 2, 1
  ),
  by_year as (
    select
      vy.year,
      json_object_agg(vy.gov_number, (vy.km / nullif(vy.total_cost, 0) * 100)::float8 order by vy.gov_number collate "C") as vehicles
    from vehicle_years vy
    group by vy.year
  )
  select coalesce(json_object_agg(y.year, y.vehicles order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_vehicle_efficiency_per_year(text, date) is 'vehicle_efficiency_per_year: per year and vehicle, km per 100 rubles of total cost.';
