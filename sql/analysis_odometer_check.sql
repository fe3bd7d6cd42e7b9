-- odometer_check (new analysis, docs/ANOMALIES.md): the client's odometer_check findings from fleet.anomalies
-- (Odometer rollbacks, impossible jumps and daily mileage), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_odometer_check(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'odometer_check', $2)
$$;
comment on function fleet.analysis_odometer_check(text, date) is 'odometer_check: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
