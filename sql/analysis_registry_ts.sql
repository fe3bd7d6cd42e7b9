-- The analyses computed in TypeScript by the analyze task (engine 'ts', no SQL function):
-- analyze_and_plot (ANALYSES.md #8, src/analyses/analyzeAndPlot.ts), recommendations (#9) and
-- recommendations_detail (src/recommend/), for every industry. Additive only: rows of
-- fleet.analyses are inserted with `on conflict do nothing` and nothing is deleted, so this file
-- never removes what sql/analysis_registry.sql registers. recommendations_detail sorts last (100):
-- it reads the fleet.anomalies rows the rule analyses wrote earlier in the same run.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('analyze_and_plot', 'ts', null, 8, 'Monthly total spending, its ETS (Holt-Winters) forecast for 3 months and outlier months'),
  ('recommendations', 'ts', null, 9, 'Recommendations in Russian: budget for next year, inefficient drivers, downtime, fuel efficiency, maintenance, fines'),
  ('recommendations_detail', 'ts', null, 100, 'The recommendations as structured items (code, severity, text, subjects with peer median and rubles in excess), plus rule-based items from fleet.anomalies')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

insert into fleet.analyses (industry, analysis_type)
select i.code, t.analysis_type
from fleet.industries i
cross join (values ('analyze_and_plot'), ('recommendations'), ('recommendations_detail')) as t (analysis_type)
on conflict do nothing;
