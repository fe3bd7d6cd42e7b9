-- Registry rows of the anomaly analyses (docs/ANOMALIES.md): their analysis_types (sort_order 200+,
-- after the old system's analyses) and the industry matrix rows — every industry gets them. Only
-- these rows are written (upserts); nobody else's rows are touched.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('anomaly_summary', 'sql', 'fleet.analysis_anomaly_summary(text,date)', 200, 'Rubles at stake per rule and the top 20 findings (dashboard headline)'),
  ('fuel_norm_check', 'sql', 'fleet.analysis_fuel_norm_check(text,date)', 201, 'Fuel litres against the vehicle norm (winter and age corrections), or rubles per km against same-type peers'),
  ('idle_fuel', 'sql', 'fleet.analysis_idle_fuel(text,date)', 202, 'Fuel bought on days without mileage, per vehicle-month'),
  ('driver_fines', 'sql', 'fleet.analysis_driver_fines(text,date)', 203, 'Drivers with fines per 1,000 km far above the other drivers'),
  ('odometer_check', 'sql', 'fleet.analysis_odometer_check(text,date)', 204, 'Odometer rollbacks, impossible jumps, impossible daily mileage'),
  ('price_per_liter', 'sql', 'fleet.analysis_price_per_liter(text,date)', 205, 'Rubles per litre against the month''s peers, per vehicle-month'),
  ('silent_assets', 'sql', 'fleet.analysis_silent_assets(text,date)', 206, 'Vehicles standing ≥ 21 days while costs are posted'),
  ('budget_burn', 'sql', 'fleet.analysis_budget_burn(text,date)', 207, 'Year-to-date spend vs the annual plan, forecast to the year end, the month the plan is exceeded'),
  ('data_quality', 'sql', 'fleet.analysis_data_quality(text,date)', 208, 'Per load read/loaded/rejected rows and unknown columns; unregistered vehicles; days without data')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

insert into fleet.analyses (industry, analysis_type)
select i.code, t.analysis_type
from fleet.industries i
cross join (values
  ('anomaly_summary'), ('fuel_norm_check'), ('idle_fuel'), ('driver_fines'), ('odometer_check'),
  ('price_per_liter'), ('silent_assets'), ('budget_burn'), ('data_quality')
) t (analysis_type)
on conflict do nothing;

-- New analyses and rules: every client is due for re-analysis (the sweep compares this version).
update fleet.meta set value = (value::int + 1)::text where key = 'analyses_version';
