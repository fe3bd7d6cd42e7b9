-- Rule budget_burn and its month plan. fleet.budget_burn_months: for the year of the client's
-- latest expense (up to as_of), one row per calendar month with the actual spend so far and a
-- forecast for the rest of the year — a run-rate: the mean of the latest recent_months complete
-- months, seasonally adjusted by the previous year's month profile when that year has all 12
-- months (else flat); a month only partly covered by the data gets the forecast for its uncovered
-- days. The cumulative spend shows the month the annual plan (clients.year_budget) is exceeded.
-- fleet.anomaly_budget_burn: one client-level finding when the projected year total exceeds the
-- budget; rubles at stake = projected total − budget.
-- Grain: budget_burn_months one row per month of the year; the rule at most one row per client.
create or replace function fleet.budget_burn_months(client_id text, as_of date)
returns table (
  year int,
  month date,
  actual numeric,
  forecast numeric,
  projected numeric,
  cumulative numeric,
  budget numeric,
  covered_share numeric,
  seasonal_factor numeric,
  run_rate numeric,
  last_date date,
  seasonal boolean
)
language sql stable
as $$
  with params as materialized (
    select fleet.setting($1, 'budget_burn.recent_months')::int as recent_months
  ),
  span as (
    select max(e.date) as last_date, min(e.date) as first_date
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2
  ),
  months as (
    select m.month, m.total_cost
    from fleet.expenses_by_month($1, $2) m
  ),
  yr as (
    select extract(year from s.last_date)::int as year, s.last_date, s.first_date,
      date_trunc('month', s.last_date::timestamp)::date as last_month,
      (s.last_date = (date_trunc('month', s.last_date::timestamp) + interval '1 month - 1 day')::date) as last_month_complete
    from span s
    where s.last_date is not null
  ),
  prev_year as (
    -- the previous year's month profile, when it is complete (12 months, data from its 1 January)
    select extract(month from m.month)::int as mm, m.total_cost / avg(m.total_cost) over () as factor,
      count(*) over () as n
    from months m
    cross join yr
    where extract(year from m.month)::int = yr.year - 1 and yr.first_date <= make_date(yr.year - 1, 1, 1)
  ),
  profile as (
    select g.mm,
      coalesce((select pv.factor from prev_year pv where pv.mm = g.mm and pv.n = 12 and pv.factor > 0), 1) as factor,
      exists (select 1 from prev_year pv where pv.n = 12) as seasonal
    from generate_series(1, 12) g (mm)
  ),
  recent as (
    -- the latest complete months, deseasonalised
    select m.month, m.total_cost / pr.factor as deseasonalised
    from months m
    cross join yr
    join profile pr on pr.mm = extract(month from m.month)::int
    where m.month < yr.last_month or yr.last_month_complete
    order by m.month desc
    limit (select p.recent_months from params p)
  ),
  rate as (
    select coalesce(avg(r.deseasonalised), 0) as run_rate from recent r
  ),
  calendar as (
    select make_date(yr.year, g.mm, 1) as month, g.mm, yr.year, yr.last_date, yr.last_month
    from yr
    cross join generate_series(1, 12) g (mm)
  ),
  planned as (
    select
      c.year, c.month, c.last_date,
      coalesce(m.total_cost, 0) as actual,
      case
        when c.month < c.last_month then 1::numeric
        when c.month = c.last_month then (extract(day from c.last_date)::numeric / extract(day from (c.month + interval '1 month - 1 day'))::numeric)
        else 0::numeric
      end as covered_share,
      pr.factor as seasonal_factor,
      pr.seasonal,
      r.run_rate
    from calendar c
    join profile pr on pr.mm = c.mm
    cross join rate r
    left join months m on m.month = c.month
  )
  select
    p.year, p.month, round(p.actual, 2),
    round(p.run_rate * p.seasonal_factor * (1 - p.covered_share), 2) as forecast,
    round(p.actual + p.run_rate * p.seasonal_factor * (1 - p.covered_share), 2) as projected,
    round(sum(p.actual + p.run_rate * p.seasonal_factor * (1 - p.covered_share)) over (order by p.month), 2) as cumulative,
    (select nullif(cl.year_budget, 0) from fleet.clients cl where cl.client_id = $1),
    round(p.covered_share, 4), round(p.seasonal_factor, 4), round(p.run_rate, 2), p.last_date, p.seasonal
  from planned p
  order by p.month
$$;
comment on function fleet.budget_burn_months(text, date) is 'The year of the client''s latest data, month by month: actual spend, run-rate forecast for the uncovered rest (seasonal when the previous year is complete), cumulative projection and the annual budget.';

create or replace function fleet.anomaly_budget_burn(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'budget_burn.severity_medium') as sev_medium,
      fleet.setting($1, 'budget_burn.severity_high') as sev_high
  ),
  plan as (
    select * from fleet.budget_burn_months($1, $2)
  ),
  summary as (
    select
      max(p.year) as year,
      max(p.budget) as budget,
      sum(p.actual) as ytd,
      sum(p.projected) as projected_total,
      max(p.last_date) as last_date,
      min(p.month) filter (where p.cumulative > p.budget) as exceeds_in,
      bool_or(p.seasonal) as seasonal,
      max(p.run_rate) as run_rate
    from plan p
  )
  select
    null::bigint, $1, 'budget_burn', 'client', $1, make_date(s.year, 1, 1), make_date(s.year, 12, 31),
    round(s.projected_total, 2), s.budget,
    case
      when s.projected_total >= s.budget * (1 + pa.sev_high) then 'high'
      when s.projected_total >= s.budget * (1 + pa.sev_medium) then 'medium'
      else 'low'
    end,
    round(s.projected_total - s.budget, 2),
    jsonb_build_object(
      'year', s.year::text,
      'budget', s.budget,
      'ytd', round(s.ytd, 2),
      'through', to_char(s.last_date, 'YYYY-MM-DD'),
      'projected_total', round(s.projected_total, 2),
      'overrun_rub', round(s.projected_total - s.budget, 2),
      'overrun_share', round(s.projected_total / s.budget - 1, 4),
      'exceeds_in', to_char(s.exceeds_in, 'YYYY-MM'),
      'already_exceeded', s.ytd > s.budget,
      'run_rate', round(s.run_rate, 2),
      'seasonal', s.seasonal
    ),
    now()
  from summary s
  cross join params pa
  where s.budget is not null and s.projected_total > s.budget
$$;
comment on function fleet.anomaly_budget_burn(text, date) is 'Rule budget_burn: one client finding when the year''s actual + run-rate forecast exceeds clients.year_budget; rubles at stake = the projected overrun, details the month it is exceeded.';
