-- Rule high_salary (ANALYSES.md #1 as findings): a driver-month whose salary is above the Tukey
-- far-out fence Q3 + k·IQR of the month salaries of the drivers paid > 0 that month (quantiles by
-- linear interpolation, percentile_cont). expected = the driver's median monthly salary over their
-- months with pay > 0; rubles at stake = salary − min(that median, the fence).
-- Grain: one row per flagged driver-month.
create or replace function fleet.anomaly_high_salary(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'high_salary.iqr_k') as k,
      fleet.setting($1, 'high_salary.severity_medium') as sev_medium,
      fleet.setting($1, 'high_salary.severity_high') as sev_high
  ),
  driver_month as (
    -- from the shared driver-month intermediate (cached for the analyze transaction by
    -- fleet.expenses_cache_refresh); drivers without a name are not in it
    select d.driver, d.month, d.calculated_salary as salary
    from fleet.expenses_by_driver_month($1, $2) d
    where d.calculated_salary > 0
  ),
  month_fence as (
    select
      dm.month,
      count(*) as drivers,
      percentile_cont(0.25) within group (order by dm.salary) as q1,
      percentile_cont(0.5) within group (order by dm.salary) as median,
      percentile_cont(0.75) within group (order by dm.salary) as q3
    from driver_month dm
    group by dm.month
  ),
  driver_median as (
    select dm.driver, percentile_cont(0.5) within group (order by dm.salary) as median, count(*) as months
    from driver_month dm
    group by dm.driver
  ),
  flagged as (
    select
      dm.driver, dm.month, dm.salary, mf.drivers, mf.q1, mf.q3, mf.median as month_median,
      (mf.q3 + p.k * (mf.q3 - mf.q1))::numeric as fence,
      dmed.median::numeric as driver_median, dmed.months as driver_months, p.sev_medium, p.sev_high, p.k
    from driver_month dm
    join month_fence mf using (month)
    join driver_median dmed using (driver)
    cross join params p
    where dm.salary > mf.q3 + p.k * (mf.q3 - mf.q1)
  )
  select
    null::bigint, $1, 'high_salary', 'driver', f.driver, f.month, (f.month + interval '1 month - 1 day')::date,
    f.salary, round(f.driver_median, 2),
    case when f.salary >= f.sev_high * f.driver_median then 'high' when f.salary >= f.sev_medium * f.driver_median then 'medium' else 'low' end,
    round(f.salary - least(f.driver_median, f.fence), 2),
    jsonb_build_object(
      'month', to_char(f.month, 'YYYY-MM'),
      'fence', round(f.fence, 2),
      'q1', round(f.q1::numeric, 2),
      'q3', round(f.q3::numeric, 2),
      'iqr_k', f.k,
      'month_median', round(f.month_median::numeric, 2),
      'drivers_paid', f.drivers,
      'driver_median', round(f.driver_median, 2),
      'driver_months', f.driver_months
    ),
    now()
  from flagged f
  order by f.month, f.driver
$$;
comment on function fleet.anomaly_high_salary(text, date) is 'Rule high_salary: driver-months paid above Q3 + k·IQR (Tukey far-out fence) of that month''s salaries of drivers paid > 0; rubles at stake = salary − min(driver''s median, fence).';
