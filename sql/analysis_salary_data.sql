-- salary_data (ANALYSES.md #10): salary per driver per month, every (non-empty) driver with rows
-- that month, by name. Grain: year → month ("MM") → driver, months with driver rows up to as_of.
-- Speed (1M rows: ~38k driver-months, 1.6 MB of JSON): grouped by the month date, not by its "YYYY"/"MM"
-- texts (the sort for the grouping then compares dates, not strings by locale), with work_mem
-- enough to sort in memory; jit off (the plan is costed with the intermediate's uncached branch, a
-- scan of every expense row, and would be compiled for nothing).
create or replace function fleet.analysis_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with by_month as (
    select
      dm.month,
      json_object_agg(dm.driver, round(dm.calculated_salary, 2) order by dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.month
  ),
  by_year as (
    select to_char(b.month, 'YYYY') as year, json_object_agg(to_char(b.month, 'MM'), b.drivers order by b.month) as months
    from by_month b
    group by 1
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_salary_data(text, date) is 'salary_data: per year and month every driver''s salary.';
