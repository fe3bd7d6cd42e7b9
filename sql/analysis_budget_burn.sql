-- budget_burn (new analysis, docs/ANOMALIES.md): the year of the client's latest data against its
-- annual plan — spend to date, a run-rate forecast (seasonal when the previous year is complete) to
-- the year end, the month the plan is (or will be) exceeded and by how much; month by month with
-- the linear plan pace. Computed by fleet.budget_burn_months (the same plan the budget_burn rule
-- uses); budget null when the client has none. Grain: one JSON object per client.
create or replace function fleet.analysis_budget_burn(client_id text, as_of date)
returns json
language sql stable
as $$
  with plan as (
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
  select case when not exists (select 1 from plan) then '{}'::json
  else (
    select json_build_object(
      'year', s.year::text,
      'budget', s.budget,
      'through', to_char(s.last_date, 'YYYY-MM-DD'),
      'ytd', s.ytd,
      'ytd_share', (s.ytd / s.budget)::float8,
      'projected_total', s.projected_total,
      'projected_share', (s.projected_total / s.budget)::float8,
      'overrun', case when s.budget is null then null else greatest(s.projected_total - s.budget, 0) end,
      'exceeds_in', to_char(s.exceeds_in, 'YYYY-MM'),
      'already_exceeded', case when s.budget is null then null else s.ytd > s.budget end,
      'method', json_build_object(
        'kind', 'run_rate',
        'recent_months', fleet.setting($1, 'budget_burn.recent_months'),
        'seasonal', s.seasonal,
        'run_rate', s.run_rate
      ),
      'months', (
        select json_object_agg(
          to_char(p.month, 'YYYY-MM'),
          json_build_object(
            'actual', p.actual,
            'forecast', p.forecast,
            'projected', p.projected,
            'cumulative', p.cumulative,
            'plan_cumulative', round(p.budget * extract(month from p.month) / 12, 2),
            'covered_share', p.covered_share::float8
          )
          order by p.month
        )
        from plan p
      )
    )
    from summary s
  ) end
$$;
comment on function fleet.analysis_budget_burn(text, date) is 'budget_burn: year-to-date spend vs clients.year_budget, run-rate forecast to the year end, the month the plan is exceeded and the overrun.';
