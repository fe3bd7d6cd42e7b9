-- repair_expenses_by_month_year (ANALYSES.md #20): per year and month the repair spending — "total"
-- over the repair categories (fleet.expense_categories.counts_as_repair) and "structure", each
-- repair category present in the client's data (non-zero in any row up to as_of, as in
-- aggregated_expenses_by_month_year) in category order, {} when none is. Grain: one key per month
-- with expense rows.
create or replace function fleet.analysis_repair_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with repair as (
    select mc.year, mc.mm, mc.category, mc.sort_order, mc.amount
    from fleet.expenses_by_month_category($1, $2) mc
    where mc.counts_as_repair
  ),
  present_categories as (
    select r.category
    from repair r
    group by r.category
    having bool_or(r.amount <> 0)
  ),
  by_month as (
    select
      r.year,
      r.mm,
      json_build_object(
        'total', round(sum(r.amount), 2),
        'structure', coalesce(
          json_object_agg(r.category, round(r.amount, 2) order by r.sort_order) filter (where pc.category is not null),
          '{}'::json)
      ) as repair
    from repair r
    left join present_categories pc using (category)
    group by r.year, r.mm
  ),
  by_year as (
    select b.year, json_object_agg(b.mm, b.repair order by b.mm) as months
    from by_month b
    group by b.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_repair_expenses_by_month_year(text, date) is 'repair_expenses_by_month_year: per month the repair total and the sum of each repair category present in the client''s data.';
