-- Anomaly rules as data: thresholds (fleet.settings, per-client overrides in fleet.client_settings,
-- read through fleet.setting / fleet.setting_json) and the rule registry (fleet.anomaly_rules) that
-- fleet.refresh_anomalies walks. Idempotent: tables are created if missing, default settings and
-- rules are inserted without overwriting values an operator changed.
-- Grain: settings one row per key; client_settings one row per (client, key); anomaly_rules one
-- row per rule.
create table if not exists fleet.settings (
  key text primary key check (key ~ '^[a-z_]+\.[a-z0-9_]+$'),
  value jsonb not null,
  description text not null
);
comment on table fleet.settings is 'Pipeline-wide thresholds of the anomaly rules (key <rule>.<name>, value jsonb: a number or a list). Change a threshold with an update, not a release; per-client overrides live in fleet.client_settings.';
comment on column fleet.settings.key is '<rule>.<name>, e.g. fuel_norm_check.tolerance.';
comment on column fleet.settings.value is 'A JSON number (read with fleet.setting) or a JSON array (read with fleet.setting_json).';
comment on column fleet.settings.description is 'What the threshold means and its unit.';

create table if not exists fleet.client_settings (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  key text not null references fleet.settings (key) on delete cascade,
  value jsonb not null,
  primary key (client_id, key)
);
comment on table fleet.client_settings is 'Per-client overrides of fleet.settings (same keys, same value types).';
comment on column fleet.client_settings.client_id is 'The client the override applies to.';
comment on column fleet.client_settings.key is 'A key of fleet.settings.';
comment on column fleet.client_settings.value is 'The client''s value, replacing fleet.settings.value for this client.';

create or replace function fleet.setting_json(client_id text, key text)
returns jsonb
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v jsonb;
begin
  select coalesce(cs.value, s.value) into v
  from fleet.settings s
  left join fleet.client_settings cs on cs.key = s.key and cs.client_id = setting_json.client_id
  where s.key = setting_json.key;
  if v is null then
    raise exception 'fleet.setting: unknown setting %', quote_literal(key) using errcode = '22023';
  end if;
  return v;
end;
$$;
comment on function fleet.setting_json(text, text) is 'The value of a rule threshold for a client: its fleet.client_settings override, else fleet.settings. Unknown keys raise (a typo never silently disables a rule).';

create or replace function fleet.setting(client_id text, key text)
returns numeric
language sql stable
as $$
  select (fleet.setting_json($1, $2) #>> '{}')::numeric
$$;
comment on function fleet.setting(text, text) is 'A numeric rule threshold for a client (override or default); see fleet.setting_json.';

insert into fleet.settings (key, value, description) values
  ('high_salary.iqr_k', '3', 'Tukey fence: a driver-month salary above Q3 + k·IQR of the month''s salaries (drivers paid > 0) is flagged (3 = "far out").'),
  ('high_salary.severity_medium', '1.75', 'Salary ≥ this × the driver''s median monthly salary → severity medium.'),
  ('high_salary.severity_high', '2.5', 'Salary ≥ this × the driver''s median monthly salary → severity high.'),
  ('fuel_norm_check.tolerance', '0.10', 'Flag a vehicle-month whose litres exceed the corrected norm by more than this share.'),
  ('fuel_norm_check.winter_months', '[11, 12, 1, 2, 3]', 'Months (1–12) that get the winter correction.'),
  ('fuel_norm_check.winter_correction', '0.10', 'Winter correction to the base norm (share, added to the other corrections as in Минтранс АМ-23-р).'),
  ('fuel_norm_check.age_years_1', '5', 'Vehicles older than this many years (from release_year) get age_correction_1.'),
  ('fuel_norm_check.age_correction_1', '0.05', 'Age correction for vehicles older than age_years_1 (share).'),
  ('fuel_norm_check.age_years_2', '8', 'Vehicles older than this many years get age_correction_2 instead.'),
  ('fuel_norm_check.age_correction_2', '0.10', 'Age correction for vehicles older than age_years_2 (share).'),
  ('fuel_norm_check.min_km', '100', 'Vehicle-months with fewer km are not judged (too little driving for a norm).'),
  ('fuel_norm_check.peer_ratio', '0.30', 'Without a norm: flag fuel rubles per km at least this share above the median of the same vehicle type in the month.'),
  ('fuel_norm_check.norm_peer_ratio', '0.15', 'With a norm but without litres: flag fuel rubles per corrected norm litre at least this share above the median of the same vehicle type in the month.'),
  ('fuel_norm_check.peer_mad_k', '3', 'Without litres or a norm: and above the type median + k·MAD (scaled MAD, 1.4826·median absolute deviation).'),
  ('fuel_norm_check.min_peers', '3', 'Without litres or a norm: at least this many vehicle-months of the type in the month to form a peer median.'),
  ('fuel_norm_check.severity_medium', '0.20', 'Excess over the (corrected) expectation ≥ this share → severity medium.'),
  ('fuel_norm_check.severity_high', '0.30', 'Excess over the (corrected) expectation ≥ this share → severity high.'),
  ('idle_fuel.max_km', '5', 'A vehicle-day with fewer km than this is idle; fuel bought on it is idle fuel.'),
  ('idle_fuel.min_days', '2', 'Flag a vehicle-month with at least this many idle days with fuel bought.'),
  ('idle_fuel.severity_medium', '3', 'Idle-fuel days in the month ≥ this → severity medium.'),
  ('idle_fuel.severity_high', '5', 'Idle-fuel days in the month ≥ this → severity high.'),
  ('driver_fines.mad_k', '3', 'Flag a driver whose fines per 1,000 km exceed the drivers'' median + k·MAD (scaled MAD).'),
  ('driver_fines.min_ratio', '3', 'and are at least this many times the median rate.'),
  ('driver_fines.min_km', '1000', 'Drivers with fewer km in the period are not judged and are not peers.'),
  ('driver_fines.min_peers', '5', 'At least this many judged drivers to form a median.'),
  ('driver_fines.severity_medium', '3', 'Rate ≥ this × the median → severity medium.'),
  ('driver_fines.severity_high', '5', 'Rate ≥ this × the median → severity high.'),
  ('odometer_check.max_km_per_day', '2000', 'An odometer advance or a daily_distance above this many km per day is impossible.'),
  ('odometer_check.backwards_tolerance_km', '1', 'A reading lower than the previous one by more than this many km is a rollback.'),
  ('price_per_liter.mad_k', '2', 'Flag a vehicle-month price per litre above the peers'' median + k·MAD (scaled MAD); peers = same month and vehicle type (fuel grade), else the whole client month.'),
  ('price_per_liter.min_excess', '0.08', 'and at least this share above the median (guards against tiny MADs).'),
  ('price_per_liter.min_peers', '3', 'At least this many vehicle-months of the type in the month to use type peers; otherwise all the client''s vehicles of the month.'),
  ('price_per_liter.min_liters', '20', 'Vehicle-months with fewer litres are not judged.'),
  ('price_per_liter.severity_medium', '0.15', 'Excess over the median ≥ this share → severity medium.'),
  ('price_per_liter.severity_high', '0.25', 'Excess over the median ≥ this share → severity high.'),
  ('silent_assets.min_days', '21', 'Flag a vehicle with at least this many consecutive days without kilometres while costs are posted.'),
  ('silent_assets.repair_share', '0.5', 'A still period whose repair-category costs are at least this share of its cash costs (all but fuel and amortization) — and repair_ratio × the usual — is a repair downtime (legitimate), not flagged.'),
  ('silent_assets.repair_ratio', '2', 'and whose repair-category costs are at least this many times the vehicle''s usual repair spend for as many days.'),
  ('silent_assets.severity_medium', '30', 'Silent period ≥ this many days → severity medium.'),
  ('silent_assets.severity_high', '60', 'Silent period ≥ this many days → severity high.'),
  ('budget_burn.recent_months', '3', 'Run-rate: the mean of this many latest complete months (seasonally adjusted when the previous year is complete).'),
  ('budget_burn.severity_medium', '0.05', 'Projected overrun ≥ this share of the budget → severity medium.'),
  ('budget_burn.severity_high', '0.20', 'Projected overrun ≥ this share of the budget → severity high.'),
  ('data_quality.min_gap_days', '3', 'Report runs of at least this many days without any expense row inside the client''s data range.')
on conflict (key) do nothing;

create table if not exists fleet.anomaly_rules (
  rule text primary key check (rule ~ '^[a-z_]{2,40}$'),
  fn regprocedure not null,
  enabled boolean not null default true,
  sort_order int not null,
  description text not null
);
comment on table fleet.anomaly_rules is 'The anomaly rules fleet.refresh_anomalies runs, in sort_order: each names its function (a regprocedure fn(client_id text, as_of date) returning rows shaped like fleet.anomalies without ids). Disable a rule with enabled = false.';
comment on column fleet.anomaly_rules.rule is 'The rule name written to fleet.anomalies.rule.';
comment on column fleet.anomaly_rules.sort_order is 'Order in which fleet.refresh_anomalies runs the rules.';
comment on column fleet.anomaly_rules.description is 'What the rule finds (shown in anomaly_summary).';
comment on column fleet.anomaly_rules.fn is 'The rule''s function, validated at insert time; never built from text at run time.';
comment on column fleet.anomaly_rules.enabled is 'false: the rule is skipped (its earlier findings are removed by the next refresh).';
