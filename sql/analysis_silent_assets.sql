-- silent_assets (new analysis, docs/ANOMALIES.md): the client's silent_assets findings from fleet.anomalies
-- (Vehicles standing ≥ 21 days while costs are posted), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_silent_assets(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'silent_assets', $2)
$$;
comment on function fleet.analysis_silent_assets(text, date) is 'silent_assets: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
