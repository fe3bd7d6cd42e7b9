-- amortization_by_month_year (ANALYSES.md #19): per year and month the amortization sum. Grain: one
-- key per month with expense rows up to as_of.
create or replace function fleet.analysis_amortization_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(m.mm, json_build_object('amortization', round(m.amortization, 2)) order by m.mm) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_amortization_by_month_year(text, date) is 'amortization_by_month_year: per month the amortization sum.';
