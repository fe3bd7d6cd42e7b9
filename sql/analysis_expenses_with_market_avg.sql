-- expenses_with_market_avg (ANALYSES.md #3): the client against its industry's market, per year.
-- all_expenses = the year's spending; expenses_related_average_market = the client's average total
-- cost per vehicle-day that year ÷ the market's average total per vehicle-day (the sum of the
-- market's money categories); expenses_structure = per category with non-zero spend that year, the
-- client's rubles per vehicle-day ÷ the market's (null where the market figure is 0 or missing),
-- ordered like expenses_data (spend desc, then category order). Vehicle-days = distinct
-- (gov_number, date) with a row. Grain: one key per calendar year with expense rows up to as_of.
-- (The old code divided shares by absolute rubles and a yearly total by a daily one.)
create or replace function fleet.analysis_expenses_with_market_avg(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with vehicle_days as (
    select vm.year, sum(vm.vehicle_days) as vehicle_days
    from fleet.expenses_by_vehicle_month($1, $2) vm
    group by vm.year
  ),
  market as (
    select ec.category, ma.avg_per_vehicle_day_rub as per_vehicle_day
    from fleet.clients c
    join fleet.market_averages ma on ma.industry = c.industry
    join fleet.expense_categories ec on ec.category = ma.category
    where c.client_id = $1
  ),
  market_total as (
    select sum(mk.per_vehicle_day) as per_vehicle_day
    from market mk
  ),
  category_year as (
    select mc.year, mc.category, mc.sort_order, sum(mc.amount) as amount
    from fleet.expenses_by_month_category($1, $2) mc
    group by mc.year, mc.category, mc.sort_order
  ),
  years as (
    select cy.year, sum(cy.amount) as all_expenses, vd.vehicle_days
    from category_year cy
    join vehicle_days vd using (year)
    group by cy.year, vd.vehicle_days
  ),
  structure as (
    select
      cy.year,
      json_object_agg(
        cy.category,
        (cy.amount / nullif(y.vehicle_days, 0) / nullif(mk.per_vehicle_day, 0))::float8
        order by cy.amount desc, cy.sort_order
      ) as expenses_structure
    from category_year cy
    join years y using (year)
    left join market mk using (category)
    where cy.amount <> 0
    group by cy.year
  )
  select coalesce(
    json_object_agg(
      y.year,
      json_build_object(
        'all_expenses', round(y.all_expenses, 2),
        'expenses_related_average_market',
          (y.all_expenses / nullif(y.vehicle_days, 0) / nullif((select mt.per_vehicle_day from market_total mt), 0))::float8,
        'expenses_structure', coalesce(s.expenses_structure, '{}'::json)
      )
      order by y.year
    ),
    '{}'::json
  )
  from years y
  left join structure s using (year)
$$;
comment on function fleet.analysis_expenses_with_market_avg(text, date) is 'expenses_with_market_avg: per year all_expenses and the client''s rubles per vehicle-day against the industry market, in total and per category (null where the market has no figure).';
