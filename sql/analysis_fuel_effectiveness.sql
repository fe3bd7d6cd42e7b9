-- fuel_effectiveness (ANALYSES.md #4): kilometres per ruble of fuel, per vehicle per month (null
-- when the vehicle bought no fuel that month). Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), every vehicle with rows that month, by gov_number.
-- Speed (1M rows: ~33k vehicle-months, 1.1 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_fuel_effectiveness(client_id text, as_of date)
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
        (vm.daily_distance / nullif(vm.fuel, 0))::float8
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.vehicles order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_fuel_effectiveness(text, date) is 'fuel_effectiveness: per month and vehicle, km per ruble of fuel (null without fuel spend).';
