-- The analysis registry and the industry matrix, as data. analysis_types names each SQL analysis's
-- function as a regprocedure (validated at migration time); fleet.analyses says which industries
-- get which analysis. Rebuilt whole by every migration that includes this file.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('expenses_data', 'sql', 'fleet.analysis_expenses_data(text,date)', 2, 'Spending per year vs the annual plan, category shares'),
  ('fuel_km_per_month', 'sql', 'fleet.analysis_fuel_km_per_month(text,date)', 11, 'Fuel rubles, km and rubles per km per month'),
  ('aggregated_expenses_by_month_year', 'sql', 'fleet.analysis_aggregated_expenses_by_month_year(text,date)', 17, 'Every money category per month')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

-- industries = null: every industry; otherwise the listed codes only. except = industries left out.
with matrix (analysis_type, industries, except_industries) as (
  values
    ('expenses_data', null::text[], null::text[]),
    ('fuel_km_per_month', null, null),
    ('aggregated_expenses_by_month_year', null, null)
),
wanted as (
  select i.code as industry, m.analysis_type
  from matrix m
  join fleet.industries i
    on (m.industries is null or i.code = any (m.industries))
   and not (i.code = any (coalesce(m.except_industries, '{}')))
),
removed as (
  delete from fleet.analyses a
  where not exists (select 1 from wanted w where w.industry = a.industry and w.analysis_type = a.analysis_type)
)
insert into fleet.analyses (industry, analysis_type)
select w.industry, w.analysis_type from wanted w
on conflict do nothing;
