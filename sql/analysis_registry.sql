-- The analysis registry and the industry matrix, as data. analysis_types names each SQL analysis's
-- function as a regprocedure (validated at migration time); sort_order = the number in
-- ANALYSES.md. fleet.analyses says which industries get which analysis: every industry gets 1–11
-- and 16–23; logistics adds 12, pharma 13, construction 14; carsharing (no drivers' salaries or
-- fines) drops 5, 6, 7, 10, 21, 22, 23 and adds 15. The TS analyses (#8, #9) are registered with
-- engine 'ts' and no function; the analyze runner skips ts types it has no implementation for.
-- Rebuilt by every migration that includes this file: the industry rows of the types listed here
-- are made exactly the matrix; rows of types registered elsewhere (analysis_registry_ts.sql) are
-- left alone.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('high_salary_data', 'sql', 'fleet.analysis_high_salary_data(text,date)', 1, 'Drivers paid above Q3 + 3·IQR of the month''s salaries, with their median salary'),
  ('expenses_data', 'sql', 'fleet.analysis_expenses_data(text,date)', 2, 'Spending per year vs the annual plan, category shares'),
  ('expenses_with_market_avg', 'sql', 'fleet.analysis_expenses_with_market_avg(text,date)', 3, 'Rubles per vehicle-day per year against the industry market, in total and per category'),
  ('fuel_effectiveness', 'sql', 'fleet.analysis_fuel_effectiveness(text,date)', 4, 'Km per ruble of fuel per vehicle per month'),
  ('salary_effectiveness', 'sql', 'fleet.analysis_salary_effectiveness(text,date)', 5, 'Km per ruble of salary per driver per month'),
  ('month_drivers_fine', 'sql', 'fleet.analysis_month_drivers_fine(text,date)', 6, 'Fines per driver per month (non-zero, by sum desc)'),
  ('year_drivers_fine', 'sql', 'fleet.analysis_year_drivers_fine(text,date)', 7, 'Fines per driver per year (by sum desc)'),
  ('analyze_and_plot', 'ts', null, 8, 'Monthly total spending, its ETS (Holt-Winters) forecast for 3 months and outlier months'),
  ('recommendations', 'ts', null, 9, 'Recommendations in Russian: budget for next year, inefficient drivers, downtime, fuel efficiency, maintenance, fines'),
  ('salary_data', 'sql', 'fleet.analysis_salary_data(text,date)', 10, 'Salary per driver per month'),
  ('fuel_km_per_month', 'sql', 'fleet.analysis_fuel_km_per_month(text,date)', 11, 'Fuel rubles, km and rubles per km per month'),
  ('logistic_expenses_by_month', 'sql', 'fleet.analysis_logistic_expenses_by_month(text,date)', 12, 'Logistics categories per month (cargo insurance, temperature control, customs, transloading)'),
  ('pharma_expenses_by_month', 'sql', 'fleet.analysis_pharma_expenses_by_month(text,date)', 13, 'Pharma categories per month (sterilisation, licences, temperature control; old misspelt keys)'),
  ('building_expenses_by_month', 'sql', 'fleet.analysis_building_expenses_by_month(text,date)', 14, 'Construction categories per month (bucket parts, special lubricants)'),
  ('vehicle_usage_by_month', 'sql', 'fleet.analysis_vehicle_usage_by_month(text,date)', 15, 'Days driven and km per vehicle per month'),
  ('downtime_find', 'sql', 'fleet.analysis_downtime_find(text,date)', 16, 'Zero-km vehicle-days and their total cost per vehicle per month'),
  ('aggregated_expenses_by_month_year', 'sql', 'fleet.analysis_aggregated_expenses_by_month_year(text,date)', 17, 'Every money category per month'),
  ('vehicle_efficiency_per_year', 'sql', 'fleet.analysis_vehicle_efficiency_per_year(text,date)', 18, 'Km per 100 rubles of total cost per vehicle per year'),
  ('amortization_by_month_year', 'sql', 'fleet.analysis_amortization_by_month_year(text,date)', 19, 'Amortization per month'),
  ('repair_expenses_by_month_year', 'sql', 'fleet.analysis_repair_expenses_by_month_year(text,date)', 20, 'Repair total and repair categories per month'),
  ('top_drivers_fines_by_month', 'sql', 'fleet.analysis_top_drivers_fines_by_month(text,date)', 21, 'Fines sum and days with fines per driver per month (by sum desc)'),
  ('top_drivers_salary_efficiency', 'sql', 'fleet.analysis_top_drivers_salary_efficiency(text,date)', 22, 'Km per salary ruble per driver-month, min-max normalised (desc)'),
  ('seasonal_fines', 'sql', 'fleet.analysis_seasonal_fines(text,date)', 23, 'Fines per month and quarter per year, and the quarter with the most')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

-- industries = null: every industry; otherwise the listed codes only. except = industries left out.
with matrix (analysis_type, industries, except_industries) as (
  values
    ('high_salary_data', null::text[], null::text[]),
    ('expenses_data', null, null),
    ('expenses_with_market_avg', null, null),
    ('fuel_effectiveness', null, null),
    ('salary_effectiveness', null, '{carsharing}'),
    ('month_drivers_fine', null, '{carsharing}'),
    ('year_drivers_fine', null, '{carsharing}'),
    ('analyze_and_plot', null, null),
    ('recommendations', null, null),
    ('salary_data', null, '{carsharing}'),
    ('fuel_km_per_month', null, null),
    ('logistic_expenses_by_month', '{logistics}', null),
    ('pharma_expenses_by_month', '{pharma}', null),
    ('building_expenses_by_month', '{construction}', null),
    ('vehicle_usage_by_month', '{carsharing}', null),
    ('downtime_find', null, null),
    ('aggregated_expenses_by_month_year', null, null),
    ('vehicle_efficiency_per_year', null, null),
    ('amortization_by_month_year', null, null),
    ('repair_expenses_by_month_year', null, null),
    ('top_drivers_fines_by_month', null, '{carsharing}'),
    ('top_drivers_salary_efficiency', null, '{carsharing}'),
    ('seasonal_fines', null, '{carsharing}')
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
  where a.analysis_type in (select m.analysis_type from matrix m)
    and not exists (select 1 from wanted w where w.industry = a.industry and w.analysis_type = a.analysis_type)
)
insert into fleet.analyses (industry, analysis_type)
select w.industry, w.analysis_type from wanted w
on conflict do nothing;
