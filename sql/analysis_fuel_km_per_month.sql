-- fuel_km_per_month (ANALYSES.md #11): per year and month, fuel rubles, kilometres and rubles per
-- kilometre (null when no kilometres). Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_fuel_km_per_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select m.year, m.mm, m.fuel, m.daily_distance
    from fleet.expenses_by_month($1, $2) m
  ),
  by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'fuel_in_month', round(m.fuel, 2),
          'distance_in_month', round(m.daily_distance, 2),
          'fuel_effectiveness_in_month', (m.fuel / nullif(m.daily_distance, 0))::float8
        )
        order by m.mm
      ) as months
    from months m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_fuel_km_per_month(text, date) is 'fuel_km_per_month: per month fuel rubles, km and rubles per km (null without km).';
