-- price_per_liter (new analysis, docs/ANOMALIES.md): the client's price_per_liter findings from fleet.anomalies
-- (Vehicle-months paying far more per litre than peers), with totals, counts by severity, rubles by month, the thresholds in force and the
-- findings ranked by rubles at stake. Run after fleet.refresh_anomalies in the same transaction.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_price_per_liter(client_id text, as_of date)
returns json
language sql stable
as $$
  select fleet.anomaly_rule_json($1, 'price_per_liter', $2)
$$;
comment on function fleet.analysis_price_per_liter(text, date) is 'price_per_liter: the rule''s findings ranked by rubles at stake, with totals and thresholds (see docs/ANOMALIES.md).';
