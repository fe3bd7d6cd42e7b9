-- salary_effectiveness (ANALYSES.md #5): kilometres per ruble of salary, per driver per month (null
-- when the driver was paid nothing that month). Grain: one key per month with driver rows up to
-- as_of ("YYYY-MM"), every (non-empty) driver with rows that month, by name.
create or replace function fleet.analysis_salary_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.month,
      dm.year || '-' || dm.mm as year_month,
      json_object_agg(
        dm.driver,
        (dm.daily_distance / nullif(dm.calculated_salary, 0))::float8
        order by dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month, dm.year, dm.mm
  )
  select coalesce(json_object_agg(b.year_month, b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_salary_effectiveness(text, date) is 'salary_effectiveness: per month and driver, km per ruble of salary (null without salary).';
