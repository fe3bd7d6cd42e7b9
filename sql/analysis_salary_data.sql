-- salary_data (ANALYSES.md #10): salary per driver per month, every (non-empty) driver with rows
-- that month, by name. Grain: year → month ("MM") → driver, months with driver rows up to as_of.
create or replace function fleet.analysis_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_month as (
    select
      dm.year,
      dm.mm,
      json_object_agg(dm.driver, round(dm.calculated_salary, 2) order by dm.driver collate "C") as drivers
    from fleet.expenses_by_driver_month($1, $2) dm
    group by dm.year, dm.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.drivers order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_salary_data(text, date) is 'salary_data: per year and month every driver''s salary.';
