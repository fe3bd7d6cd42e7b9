-- aggregated_expenses_by_month_year (ANALYSES.md #17): per year and month, the sum of every money
-- category present in the client's data (a category is present when any row up to as_of has a
-- non-zero amount in it), in category order. Grain: one key per month with expense rows.
create or replace function fleet.analysis_aggregated_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with month_category as (
    select mc.year, mc.mm, mc.category, mc.sort_order, mc.amount
    from fleet.expenses_by_month_category($1, $2) mc
  ),
  present_categories as (
    select mc.category
    from month_category mc
    group by mc.category
    having bool_or(mc.amount <> 0)
  ),
  by_month as (
    select mc.year, mc.mm, json_object_agg(mc.category, round(mc.amount, 2) order by mc.sort_order) as categories
    from month_category mc
    join present_categories pc using (category)
    group by mc.year, mc.mm
  ),
  by_year as (
    select bm.year, json_object_agg(bm.mm, bm.categories order by bm.mm) as months
    from by_month bm
    group by bm.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_aggregated_expenses_by_month_year(text, date) is 'aggregated_expenses_by_month_year: per month the sum of every money category present in the client''s data.';
