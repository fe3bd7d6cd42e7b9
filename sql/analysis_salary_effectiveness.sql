-- salary_effectiveness (ANALYSES.md #5): kilometres per ruble of salary, per driver per month (null
-- when the driver was paid nothing that month). Grain: one key per month with driver rows up to
-- as_of ("YYYY-MM"), every (non-empty) driver with rows that month, by name.
-- Speed (1M rows: ~38k driver-months, 2 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_salary_effectiveness(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(
        dm.driver,
        (dm.daily_distance / nullif(dm.calculated_salary, 0))::float8
        order by dm.driver collate "C"
      ) as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month
  )
  select coalesce(json_object_agg(to_char(b.month, 'YYYY-MM'), b.drivers order by b.month), '{}'::json)
  from by_month b
$$;
comment on function fleet.analysis_salary_effectiveness(text, date) is 'salary_effectiveness: per month and driver, km per ruble of salary (null without salary).';
