-- idle_fuel (new analysis, docs/ANOMALIES.md): the client's idle_fuel findings from fleet.anomalies
-- (Fuel bought on days without mileage), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_idle_fuel(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'idle_fuel', $2)
$$;
comment on function fleet.analysis_idle_fuel(text, date) is 'idle_fuel: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
