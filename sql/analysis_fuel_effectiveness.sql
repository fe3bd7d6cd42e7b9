-- fuel_effectiveness (ANALYSES.md #4): kilometres per ruble of fuel, per vehicle per month (null
-- when the vehicle bought no fuel that month). Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), every vehicle with rows that month, by gov_number.
create or replace function fleet.analysis_fuel_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      vm.month,
      vm.year || '-' || vm.mm as year_month,
      json_object_agg(
        vm.gov_number,
        (vm.daily_distance / nullif(vm.fuel, 0))::float8
        order by vm.gov_number collate "C"
      ) as vehicles
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.month, vm.year, vm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.vehicles order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_fuel_effectiveness(text, date) is 'fuel_effectiveness: per month and vehicle, km per ruble of fuel (null without fuel spend).';
