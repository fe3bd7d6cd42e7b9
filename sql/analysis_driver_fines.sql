-- driver_fines (new analysis, docs/ANOMALIES.md): the client's driver_fines findings from fleet.anomalies
-- (Drivers with fines per 1,000 km far above the other drivers), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_driver_fines(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'driver_fines', $2)
$$;
comment on function fleet.analysis_driver_fines(text, date) is 'driver_fines: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
