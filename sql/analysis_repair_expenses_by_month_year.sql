-- repair_expenses_by_month_year (ANALYSES.md #20): per year and month the repair spending — "total"
-- over the repair categories (fleet.expense_categories.counts_as_repair) and "structure", each
-- repair category present in the client's data (non-zero in any row up to as_of, as in
-- aggregated_expenses_by_month_year) in category order. Grain: one key per month with expense rows.
create or replace function fleet.analysis_repair_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select * from fleet.expenses_by_month($1, $2)
  ),
  month_category as (
    select m.year, m.mm, ec.category, ec.sort_order, (to_jsonb(m) ->> ec.category)::numeric as amount
    from months m
    cross join fleet.expense_categories ec
    where ec.counts_as_repair
  ),
  present_categories as (
    select mc.category
    from month_category mc
    group by mc.category
    having bool_or(mc.amount <> 0)
  ),
  by_month as (
    select
      m.year,
      m.mm,
      json_build_object(
        'total', round(coalesce((select sum(mc.amount) from month_category mc where mc.year = m.year and mc.mm = m.mm), 0), 2),
        'structure', coalesce(
          (select json_object_agg(mc.category, round(mc.amount, 2) order by mc.sort_order)
           from month_category mc
           join present_categories pc using (category)
           where mc.year = m.year and mc.mm = m.mm),
          '{}'::json)
      ) as repair
    from months m
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
