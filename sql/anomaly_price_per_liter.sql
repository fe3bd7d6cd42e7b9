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
set jit = off
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
    -- the rows with both fuel rubles and litres, summed per vehicle-month by the roll-up
    -- (sql/expense_rollups.sql: priced_rub, priced_liters, priced_vehicle_type); a vehicle-month
    -- without such rows has null priced sums
    select
      f.gov_number,
      f.month,
      f.priced_rub as fuel_rub,
      f.priced_liters as liters,
      f.priced_vehicle_type as expense_vehicle_type
    from fleet.vehicle_month_facts($1, $2) f
    where f.priced_liters is not null
  ),
  priced as materialized (
    -- price_f: the price as float8, the type the peer statistics compare in (converted once here
    -- rather than at every comparison)
    select vm.gov_number, vm.month, vm.fuel_rub, vm.liters, vm.fuel_rub / vm.liters as price,
      (vm.fuel_rub / vm.liters)::float8 as price_f,
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') as vehicle_type
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    where vm.liters >= p.min_liters
  ),
  peer_medians as (
    -- both peer groups in one pass: (month, vehicle type) and the whole month (vehicle_type null);
    -- each group keeps its prices for its MAD
    select pr.month, pr.vehicle_type, grouping(pr.vehicle_type) = 1 as whole_month,
      count(*) as peers, percentile_cont(0.5) within group (order by pr.price_f) as median,
      array_agg(pr.price_f) as prices
    from priced pr
    group by grouping sets ((pr.month, pr.vehicle_type), (pr.month))
  ),
  peer_stats as materialized (
    select pm.month, pm.vehicle_type, pm.whole_month, pm.peers, pm.median,
      (select percentile_cont(0.5) within group (order by abs(x.price - pm.median)) from unnest(pm.prices) x (price)) as mad
    from peer_medians pm
  ),
  judged as (
    -- each vehicle-month's peer group: its type in the month, or the whole month
    select pr.*,
      case when ts.peers >= p.min_peers then 'vehicle_type' else 'client' end as peer_group,
      case when ts.peers >= p.min_peers then ts.peers else ms.peers end as peers,
      case when ts.peers >= p.min_peers then ts.median else ms.median end as median,
      case when ts.peers >= p.min_peers then ts.mad else ms.mad end as mad
    from priced pr
    cross join params p
    join peer_stats ts on not ts.whole_month and ts.month = pr.month and ts.vehicle_type = pr.vehicle_type
    join peer_stats ms on ms.whole_month and ms.month = pr.month
  )
  select
    null::bigint, $1, 'price_per_liter', 'vehicle', j.gov_number, j.month, (j.month + interval '1 month - 1 day')::date,
    round(j.price, 2), round(j.median::numeric, 2),
    case when j.price_f >= j.median * (1 + p.sev_high) then 'high' when j.price_f >= j.median * (1 + p.sev_medium) then 'medium' else 'low' end,
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
  where j.price_f > j.median + p.mad_k * 1.4826 * j.mad
    and j.price_f >= j.median * (1 + p.min_excess)
  order by j.month, j.gov_number
$$;
comment on function fleet.anomaly_price_per_liter(text, date) is 'Rule price_per_liter: vehicle-months paying per litre more than the month''s median of the same vehicle type (else of the client) + k·MAD and ≥ min_excess above it; rubles at stake = excess price × litres.';
