-- expenses_data (ANALYSES.md #2): per year, all spending, its ratio to the annual plan (null without
-- a budget or with a budget of 0), and each money category's share of the year's spending
-- (categories with non-zero spend, by spend desc then category order; shares sum to 1).
-- Grain: one key per calendar year with expense rows up to as_of.
create or replace function fleet.analysis_expenses_data(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with budget as (
    select nullif(c.year_budget, 0) as year_budget
    from fleet.clients c
    where c.client_id = $1
  ),
  category_year as (
    select mc.year, mc.category, mc.sort_order, sum(mc.amount) as amount
    from fleet.expenses_by_month_category($1, $2) mc
    group by mc.year, mc.category, mc.sort_order
  ),
  years as (
    select cy.year, sum(cy.amount) as all_expenses
    from category_year cy
    group by cy.year
  ),
  structure as (
    select
      cy.year,
      json_object_agg(cy.category, (cy.amount / y.all_expenses)::float8 order by cy.amount desc, cy.sort_order) as expenses_structure
    from category_year cy
    join years y using (year)
    where cy.amount <> 0 and y.all_expenses <> 0
    group by cy.year
  )
  select coalesce(
    json_object_agg(
      y.year,
      json_build_object(
        'all_expenses', round(y.all_expenses, 2),
        'expenses_related_plan', (y.all_expenses / (select b.year_budget from budget b))::float8,
        'expenses_structure', coalesce(s.expenses_structure, '{}'::json)
      )
      order by y.year
    ),
    '{}'::json
  )
  from years y
  left join structure s using (year)
$$;
comment on function fleet.analysis_expenses_data(text, date) is 'expenses_data: per year all_expenses, expenses_related_plan (null without a budget) and expenses_structure (category shares, desc).';
