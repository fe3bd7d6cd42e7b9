-- fuel_norm_check (new analysis, docs/ANOMALIES.md): the client's fuel_norm_check findings from fleet.anomalies
-- (Vehicle-months using more fuel than the corrected norm (or than same-type peers per km)), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_fuel_norm_check(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'fuel_norm_check', $2)
$$;
comment on function fleet.analysis_fuel_norm_check(text, date) is 'fuel_norm_check: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
