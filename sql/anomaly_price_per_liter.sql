-- Rule price_per_liter: rubles per litre per vehicle-month (rows with both fuel rubles and litres)
-- against the median of the client's vehicle-months of the same month — of the same vehicle type
-- (a proxy of the fuel grade: diesel and petrol differ by ~15%) when the type has min_peers
-- vehicle-months that month, else of every vehicle. Flag a price above the median + k·MAD (scaled
-- MAD) and at least min_excess above the median (premium fuel, inflated receipts).
-- Rubles at stake = (price − median) × litres.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_price_per_liter(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'price_per_liter.mad_k') as mad_k,
      fleet.setting($1, 'price_per_liter.min_excess') as min_excess,
      fleet.setting($1, 'price_per_liter.min_peers') as min_peers,
      fleet.setting($1, 'price_per_liter.min_liters') as min_liters,
      fleet.setting($1, 'price_per_liter.severity_medium') as sev_medium,
      fleet.setting($1, 'price_per_liter.severity_high') as sev_high
  ),
  vehicle_month as (
    select
      e.gov_number,
      date_trunc('month', e.date::timestamp)::date as month,
      sum(e.fuel) as fuel_rub,
      sum(e.fuel_liters) as liters,
      max(e.vehicle_type) as expense_vehicle_type
    from fleet.expenses e
    where e.client_id = $1 and e.date <= $2 and e.fuel > 0 and e.fuel_liters > 0
    group by 1, 2
  ),
  priced as (
    select vm.gov_number, vm.month, vm.fuel_rub, vm.liters, vm.fuel_rub / vm.liters as price,
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') as vehicle_type
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    where vm.liters >= p.min_liters
  ),
  type_stats as (
    select pr.month, pr.vehicle_type, count(*) as peers, percentile_cont(0.5) within group (order by pr.price) as median
    from priced pr
    group by pr.month, pr.vehicle_type
  ),
  month_stats as (
    select pr.month, count(*) as peers, percentile_cont(0.5) within group (order by pr.price) as median
    from priced pr
    group by pr.month
  ),
  peer_group as (
    -- each vehicle-month's peer group: its type in the month, or the whole month
    select pr.*,
      case when ts.peers >= p.min_peers then 'vehicle_type' else 'client' end as peer_group,
      case when ts.peers >= p.min_peers then ts.peers else ms.peers end as peers,
      case when ts.peers >= p.min_peers then ts.median else ms.median end as median
    from priced pr
    cross join params p
    join type_stats ts using (month, vehicle_type)
    join month_stats ms using (month)
  ),
  type_mad as (
    select pr.month, pr.vehicle_type, percentile_cont(0.5) within group (order by abs(pr.price - ts.median)) as mad
    from priced pr
    join type_stats ts using (month, vehicle_type)
    group by pr.month, pr.vehicle_type
  ),
  month_mad as (
    select pr.month, percentile_cont(0.5) within group (order by abs(pr.price - ms.median)) as mad
    from priced pr
    join month_stats ms using (month)
    group by pr.month
  ),
  judged as (
    select pg.*, case when pg.peer_group = 'vehicle_type' then tm.mad else mm.mad end as mad
    from peer_group pg
    join type_mad tm using (month, vehicle_type)
    join month_mad mm using (month)
  )
  select
    null::bigint, $1, 'price_per_liter', 'vehicle', j.gov_number, j.month, (j.month + interval '1 month - 1 day')::date,
    round(j.price, 2), round(j.median::numeric, 2),
    case when j.price >= j.median * (1 + p.sev_high) then 'high' when j.price >= j.median * (1 + p.sev_medium) then 'medium' else 'low' end,
    round((j.price - j.median::numeric) * j.liters, 2),
    jsonb_build_object(
      'month', to_char(j.month, 'YYYY-MM'),
      'unit', 'rub_per_liter',
      'vehicle_type', j.vehicle_type,
      'fuel_rub', round(j.fuel_rub, 2),
      'liters', round(j.liters, 2),
      'price', round(j.price, 2),
      'median_price', round(j.median::numeric, 2),
      'mad_price', round(j.mad::numeric, 3),
      'excess_share', round(j.price / j.median::numeric - 1, 4),
      'peer_group', j.peer_group,
      'peers', j.peers
    ),
    now()
  from judged j
  cross join params p
  where j.price > j.median + p.mad_k * 1.4826 * j.mad
    and j.price >= j.median * (1 + p.min_excess)
  order by j.month, j.gov_number
$$;
comment on function fleet.anomaly_price_per_liter(text, date) is 'Rule price_per_liter: vehicle-months paying per litre more than the month''s median of the same vehicle type (else of the client) + k·MAD and ≥ min_excess above it; rubles at stake = excess price × litres.';
