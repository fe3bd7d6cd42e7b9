-- Rule data_quality: findings about the data itself. (1) vehicles with expense rows but no row in
-- fleet.vehicles (money paid for an asset that is not on the register; rubles = their spend) — or,
-- when the client has no vehicle register at all, one client finding; (2) runs of at least
-- min_gap_days calendar days inside the client's data range without any expense row.
-- Grain: one row per unregistered vehicle, one per gap.
create or replace function fleet.anomaly_data_quality(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
set jit = off
as $$
  with params as materialized (
    select fleet.setting($1, 'data_quality.min_gap_days') as min_gap_days
  ),
  vehicle_month as materialized (
    -- from the vehicle-month roll-up; day_mask bit d-1 = a row on day d
    select v.gov_number, v.month, v.total_cost as total, v.expense_rows as rows, v.day_mask
    from fleet.vehicle_month_facts($1, $2) v
  ),
  expense_vehicles as (
    select vm.gov_number,
      min(vm.month + (32 - length(rtrim(vm.day_mask::bit(32)::text, '0')))) as first_date,
      max(vm.month + (length(ltrim(vm.day_mask::bit(32)::text, '0')) - 1)) as last_date,
      sum(vm.total) as total, sum(vm.rows) as rows
    from vehicle_month vm
    group by vm.gov_number
  ),
  register as (
    select count(*) as vehicles from fleet.vehicles v where v.client_id = $1
  ),
  unregistered as (
    select ev.*
    from expense_vehicles ev
    where not exists (select 1 from fleet.vehicles v where v.client_id = $1 and v.gov_number = ev.gov_number)
  ),
  days as (
    -- the client's days with any row: the months' OR-ed day masks expanded to dates
    select m.month + (d.i - 1) as date
    from (select vm.month, bit_or(vm.day_mask) as day_mask from vehicle_month vm group by vm.month) m
    cross join generate_series(1, 31) d (i)
    where (m.day_mask >> (d.i - 1)) & 1 = 1
  ),
  gaps as (
    select d.date + 1 as start_date, lead(d.date) over (order by d.date) - 1 as end_date
    from days d
  )
  select
    null::bigint, $1, 'data_quality', 'vehicle', u.gov_number, u.first_date, u.last_date,
    u.rows, 0, 'medium', round(u.total, 2),
    jsonb_build_object('issue', 'vehicle_not_in_register', 'expense_rows', u.rows, 'spend_rub', round(u.total, 2)),
    now()
  from unregistered u
  cross join register r
  where r.vehicles > 0
  union all
  select
    null::bigint, $1, 'data_quality', 'client', $1, min(ev.first_date), max(ev.last_date),
    count(*), 0, 'medium', 0,
    jsonb_build_object('issue', 'no_vehicle_register', 'vehicles_in_expenses', count(*)),
    now()
  from expense_vehicles ev
  cross join register r
  where r.vehicles = 0
  having count(*) > 0
  union all
  select
    null::bigint, $1, 'data_quality', 'client', $1, g.start_date, g.end_date,
    g.end_date - g.start_date + 1, 0, 'low', 0,
    jsonb_build_object('issue', 'days_without_data', 'days', g.end_date - g.start_date + 1),
    now()
  from gaps g
  cross join params p
  where g.end_date - g.start_date + 1 >= p.min_gap_days
$$;
comment on function fleet.anomaly_data_quality(text, date) is 'Rule data_quality: vehicles in expenses but not in fleet.vehicles (rubles = their spend), a missing vehicle register, and runs of ≥ min_gap_days days without any expense row.';
