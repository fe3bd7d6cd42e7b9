-- fleet.anomaly_rule_json: the common JSON of a rule's findings (the per-rule analyses
-- fuel_norm_check, idle_fuel, driver_fines, odometer_check, price_per_liter, silent_assets), built
-- from fleet.anomalies — totals, counts by severity, rubles by month, the client's effective
-- thresholds, and the findings ranked by rubles at stake. {} when the client has no expense rows.
-- Shape documented in docs/ANOMALIES.md. Grain: one JSON object per client and rule.
create or replace function fleet.anomaly_rule_json(client_id text, rule text, as_of date, max_items int default 1000)
returns json
language sql stable
as $$
  with findings as (
    select a.*
    from fleet.anomalies a
    where a.client_id = $1 and a.rule = $2
  ),
  ranked as (
    select f.*, row_number() over (order by f.rub_at_stake desc, f.period_start, f.subject, f.anomaly_id) as rank
    from findings f
  ),
  by_month as (
    select to_char(f.period_start, 'YYYY-MM') as ym, count(*) as findings, sum(f.rub_at_stake) as rub
    from findings f
    group by 1
  ),
  settings as (
    select json_object_agg(substr(s.key, length($2) + 2), fleet.setting_json($1, s.key) order by s.key) as j
    from fleet.settings s
    where s.key like $2 || '.%'
  )
  select case when not exists (select 1 from fleet.expenses e where e.client_id = $1 and e.date <= $3) then '{}'::json
  else json_build_object(
    'rule', $2,
    'findings', (select count(*) from findings),
    'subjects', (select count(distinct f.subject) from findings f),
    'rub_at_stake', (select coalesce(sum(f.rub_at_stake), 0) from findings f),
    'by_severity', json_build_object(
      'high', (select count(*) from findings f where f.severity = 'high'),
      'medium', (select count(*) from findings f where f.severity = 'medium'),
      'low', (select count(*) from findings f where f.severity = 'low')
    ),
    'by_month', coalesce((select json_object_agg(m.ym, json_build_object('findings', m.findings, 'rub_at_stake', m.rub) order by m.ym) from by_month m), '{}'::json),
    'settings', coalesce((select s.j from settings s), '{}'::json),
    'items_total', (select count(*) from findings),
    'items', coalesce((
      select json_agg(json_build_object(
          'subject_kind', r.subject_kind,
          'subject', r.subject,
          'period_start', to_char(r.period_start, 'YYYY-MM-DD'),
          'period_end', to_char(r.period_end, 'YYYY-MM-DD'),
          'observed', r.observed,
          'expected', r.expected,
          'severity', r.severity,
          'rub_at_stake', r.rub_at_stake,
          'details', r.details
        ) order by r.rank)
      from ranked r
      where r.rank <= $4
    ), '[]'::json)
  ) end
$$;
comment on function fleet.anomaly_rule_json(text, text, date, int) is 'Common JSON of one rule''s findings for a client (totals, by severity, by month, thresholds, items ranked by rubles at stake, at most max_items); {} without expense rows.';
