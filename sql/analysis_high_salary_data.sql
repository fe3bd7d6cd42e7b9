-- high_salary_data (ANALYSES.md #1): drivers paid abnormally much in a month. A driver is flagged
-- in month m when their salary that month is above the Tukey "far out" fence Q3 + 3·IQR of the
-- month salaries of the drivers paid more than 0 in m (quartiles by linear interpolation,
-- percentile_cont, over the drivers who have pay that month only). "median" is the driver's median
-- monthly salary over their months with pay > 0. Grain: one key per month with expense rows up to
-- as_of ("YYYY-MM"), {} when nobody is flagged; flagged drivers by salary desc, then name.
-- Speed (1M rows: ~38k paid driver-months, a few hundred flagged): medians only for the drivers
-- flagged somewhere (not a sort of every driver's months by name), the months grouped by date.
create or replace function fleet.analysis_high_salary_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
as $$
  with months as (
    select m.month
    from fleet.expenses_by_month($1, $2) m
  ),
  paid_driver_months as (
    select d.driver, d.month, d.calculated_salary as salary
    from fleet.expenses_by_driver_month($1, $2) d
    where d.calculated_salary > 0
  ),
  fences as (
    select
      p.month,
      percentile_cont(0.75) within group (order by p.salary)
        + 3 * (percentile_cont(0.75) within group (order by p.salary) - percentile_cont(0.25) within group (order by p.salary)) as fence
    from paid_driver_months p
    group by p.month
  ),
  flagged_driver_months as (
    select p.month, p.driver, p.salary
    from paid_driver_months p
    join fences f using (month)
    where p.salary::float8 > f.fence
  ),
  driver_medians as (
    select p.driver, percentile_cont(0.5) within group (order by p.salary) as median
    from paid_driver_months p
    where p.driver in (select fd.driver from flagged_driver_months fd)
    group by p.driver
  ),
  flagged as (
    select
      fd.month,
      json_object_agg(
        fd.driver,
        json_build_object('median', round(dm.median::numeric, 2), 'value', round(fd.salary, 2))
        order by fd.salary desc, fd.driver collate "C"
      ) as drivers
    from flagged_driver_months fd
    join driver_medians dm using (driver)
    group by fd.month
  )
  select coalesce(
    json_object_agg(to_char(m.month, 'YYYY-MM'), coalesce(f.drivers, '{}'::json) order by m.month),
    '{}'::json
  )
  from months m
  left join flagged f using (month)
$$;
comment on function fleet.analysis_high_salary_data(text, date) is 'high_salary_data: per month the drivers whose salary exceeds Q3 + 3·IQR of that month''s paid drivers, with their median monthly salary.';
