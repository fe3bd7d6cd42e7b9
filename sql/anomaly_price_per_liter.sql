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
  priced as (
    -- price_f: the price as float8, the type the peer statistics compare in (converted once here
    -- rather than at every comparison)
    select vm.gov_number, vm.month, vm.fuel_rub, vm.liters, (vm.fuel_rub / vm.liters)::float8 as price_f,
      -- byte order ("C"): the type only groups and joins, and memcmp sorts far faster than a locale
      coalesce(v.vehicle_type, vm.expense_vehicle_type, '') collate "C" as vehicle_type
    from vehicle_month vm
    cross join params p
    left join fleet.vehicles v on v.client_id = $1 and v.gov_number = vm.gov_number
    where vm.liters >= p.min_liters
  ),
  peer_medians as (
    -- both peer groups in one pass: (month, vehicle type) and the whole month; each group keeps
    -- its members (parallel arrays) for its MAD and for finding those above its thresholds, so no
    -- vehicle-month is joined back to its groups
    select pr.month, pr.vehicle_type, grouping(pr.vehicle_type) = 1 as whole_month,
      count(*) as peers, percentile_cont(0.5) within group (order by pr.price_f) as median,
      array_agg(pr.price_f) as prices_f, array_agg(pr.gov_number) as gov_numbers,
      array_agg(pr.vehicle_type) as vehicle_types, array_agg(pr.fuel_rub) as fuel_rubs, array_agg(pr.liters) as liters
    from priced pr
    group by grouping sets ((pr.month, pr.vehicle_type), (pr.month))
  ),
  peer_stats as materialized (
    select pm.*,
      (select percentile_cont(0.5) within group (order by abs(x.price_f - pm.median)) from unnest(pm.prices_f) x (price_f)) as mad
    from peer_medians pm
  ),
  above as (
    -- each group's members priced above its median + k·MAD and at least min_excess above it
    select ps.month, ps.whole_month, ps.peers, ps.median, ps.mad, x.*
    from peer_stats ps
    cross join params p
    cross join lateral unnest(ps.prices_f, ps.gov_numbers, ps.vehicle_types, ps.fuel_rubs, ps.liters)
      as x (price_f, gov_number, vehicle_type, fuel_rub, liters)
    where x.price_f > ps.median + p.mad_k * 1.4826 * ps.mad
      and x.price_f >= ps.median * (1 + p.min_excess)
  ),
  judged as (
    -- each vehicle-month's peer group: its type in the month when the type has min_peers
    -- vehicle-months there, else the whole month
    select a.*, a.fuel_rub / a.liters as price,
      case when a.whole_month then 'client' else 'vehicle_type' end as peer_group
    from above a
    cross join params p
    join peer_stats ts on not ts.whole_month and ts.month = a.month and ts.vehicle_type = a.vehicle_type
    where (a.whole_month and ts.peers < p.min_peers) or (not a.whole_month and ts.peers >= p.min_peers)
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
  order by j.month, j.gov_number
$$;
comment on function fleet.anomaly_price_per_liter(text, date) is 'Rule price_per_liter: vehicle-months paying per litre more than the month''s median of the same vehicle type (else of the client) + k·MAD and ≥ min_excess above it; rubles at stake = excess price × litres.';
