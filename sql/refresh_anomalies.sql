-- The rule registry rows and fleet.refresh_anomalies: replace a client's findings with what every
-- enabled rule of fleet.anomaly_rules finds now, in sort_order. Each rule's function comes from the
-- registry as a regprocedure (validated when the row was written), so no identifier is built from
-- text. Called by the analyze runner inside its transaction, before the JSON analyses that read
-- fleet.anomalies.
alter table fleet.anomaly_rules add column if not exists in_total boolean not null default true;
comment on column fleet.anomaly_rules.in_total is 'Whether the rule''s rubles at stake count in the headline total of anomaly_summary (waste and fraud do; the budget projection and data quality do not).';

insert into fleet.anomaly_rules (rule, fn, enabled, sort_order, description, in_total) values
  ('high_salary', 'fleet.anomaly_high_salary(text,date)', true, 10, 'Driver-months paid above the Tukey far-out fence of the month''s salaries', true),
  ('fuel_norm_check', 'fleet.anomaly_fuel_norm_check(text,date)', true, 20, 'Vehicle-months using more fuel than the corrected norm (or than same-type peers per km)', true),
  ('idle_fuel', 'fleet.anomaly_idle_fuel(text,date)', true, 30, 'Fuel bought on days without mileage', true),
  ('driver_fines', 'fleet.anomaly_driver_fines(text,date)', true, 40, 'Drivers with fines per 1,000 km far above the other drivers', true),
  ('odometer_check', 'fleet.anomaly_odometer_check(text,date)', true, 50, 'Odometer rollbacks, impossible jumps and daily mileage', true),
  ('price_per_liter', 'fleet.anomaly_price_per_liter(text,date)', true, 60, 'Vehicle-months paying far more per litre than peers', true),
  ('silent_assets', 'fleet.anomaly_silent_assets(text,date)', true, 70, 'Vehicles standing ≥ 21 days while costs are posted', true),
  ('budget_burn', 'fleet.anomaly_budget_burn(text,date)', true, 80, 'Projected annual spend above the budget', false),
  ('data_quality', 'fleet.anomaly_data_quality(text,date)', true, 90, 'Unregistered vehicles, days without data', false)
on conflict (rule) do update
  set fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description, in_total = excluded.in_total;

create or replace function fleet.refresh_anomalies(client_id text, as_of date)
returns int
language plpgsql volatile
set search_path = pg_catalog, pg_temp
-- each rule is a handful of scans and sorts: JIT compilation costs more than it saves here
set jit = off
as $$
declare
  v_rule record;
  v_rows int;
  v_total int := 0;
begin
  delete from fleet.anomalies a where a.client_id = refresh_anomalies.client_id;
  for v_rule in
    select r.rule, r.fn from fleet.anomaly_rules r where r.enabled order by r.sort_order, r.rule
  loop
    execute format(
      'insert into fleet.anomalies (client_id, rule, subject_kind, subject, period_start, period_end, observed, expected, severity, rub_at_stake, details)
       select f.client_id, f.rule, f.subject_kind, f.subject, f.period_start, f.period_end, f.observed, f.expected, f.severity, f.rub_at_stake, f.details
       from %s($1, $2) f',
      v_rule.fn::regproc
    ) using client_id, as_of;
    get diagnostics v_rows = row_count;
    v_total := v_total + v_rows;
  end loop;
  return v_total;
end;
$$;
comment on function fleet.refresh_anomalies(text, date) is 'Replace the client''s fleet.anomalies with the findings of every enabled rule of fleet.anomaly_rules as of a date; returns the number of findings.';
