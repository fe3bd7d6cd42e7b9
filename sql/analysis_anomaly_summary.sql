-- anomaly_summary (new analysis, docs/ANOMALIES.md): the dashboard headline of fleet.anomalies —
-- rubles at stake in total (rules with anomaly_rules.in_total: waste and fraud; the budget
-- projection and data quality are shown but not added), per rule ranked by rubles, the budget
-- finding, and the top 20 findings by rubles at stake. {} when the client has no expense rows.
-- Grain: one JSON object per client.
create or replace function fleet.analysis_anomaly_summary(client_id text, as_of date)
returns json
language sql stable
as $$
  with findings as (
    select a.*, r.in_total, r.sort_order, r.description
    from fleet.anomalies a
    join fleet.anomaly_rules r using (rule)
    where a.client_id = $1
  ),
  by_rule as (
    select r.rule, r.in_total, r.sort_order, r.description,
      count(f.anomaly_id) as findings,
      count(distinct f.subject) as subjects,
      coalesce(sum(f.rub_at_stake), 0) as rub,
      count(*) filter (where f.severity = 'high') as high,
      count(*) filter (where f.severity = 'medium') as medium,
      count(*) filter (where f.severity = 'low') as low
    from fleet.anomaly_rules r
    left join findings f using (rule)
    where r.enabled
    group by r.rule, r.in_total, r.sort_order, r.description
  ),
  top as (
    select f.*, row_number() over (order by f.rub_at_stake desc, f.sort_order, f.period_start, f.subject, f.anomaly_id) as rank
    from findings f
    where f.in_total
  )
  select case when not exists (select 1 from fleet.expenses e where e.client_id = $1 and e.date <= $2) then '{}'::json
  else json_build_object(
    'total_rub_at_stake', (select coalesce(sum(f.rub_at_stake), 0) from findings f where f.in_total),
    'findings', (select count(*) from findings f where f.in_total),
    'vehicles_flagged', (select count(distinct f.subject) from findings f where f.in_total and f.subject_kind = 'vehicle'),
    'drivers_flagged', (select count(distinct f.subject) from findings f where f.in_total and f.subject_kind = 'driver'),
    'by_rule', (
      select json_object_agg(b.rule, json_build_object(
          'findings', b.findings,
          'subjects', b.subjects,
          'rub_at_stake', b.rub,
          'high', b.high,
          'medium', b.medium,
          'low', b.low,
          'in_total', b.in_total,
          'description', b.description
        ) order by b.in_total desc, b.rub desc, b.sort_order)
      from by_rule b
    ),
    'budget', (
      select json_build_object('severity', f.severity, 'projected_overrun', f.rub_at_stake, 'exceeds_in', f.details ->> 'exceeds_in',
        'projected_total', f.observed, 'budget', f.expected)
      from findings f
      where f.rule = 'budget_burn'
      order by f.period_start desc
      limit 1
    ),
    'top', coalesce((
      select json_agg(json_build_object(
          'rank', t.rank,
          'rule', t.rule,
          'subject_kind', t.subject_kind,
          'subject', t.subject,
          'period_start', to_char(t.period_start, 'YYYY-MM-DD'),
          'period_end', to_char(t.period_end, 'YYYY-MM-DD'),
          'severity', t.severity,
          'observed', t.observed,
          'expected', t.expected,
          'rub_at_stake', t.rub_at_stake
        ) order by t.rank)
      from top t
      where t.rank <= 20
    ), '[]'::json)
  ) end
$$;
comment on function fleet.analysis_anomaly_summary(text, date) is 'anomaly_summary: rubles at stake in total and per rule, the budget finding, and the top 20 findings by rubles at stake.';
