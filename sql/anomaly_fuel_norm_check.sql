-- Rule fuel_norm_check: fuel consumption per vehicle-month against the vehicle's norm, Минтранс
-- АМ-23-р style: norm litres = base l/100 km × km / 100 × (1 + corrections), the corrections summed:
-- winter (+10% in the winter months) and age (+5% over 5 years, +10% over 8 years, from
-- release_year). Flag when the litres exceed the corrected norm by more than the tolerance (10%);
-- rubles at stake = litres over the norm × the vehicle's own average price per litre.
-- Without a norm (vehicles.fuel_consumption missing): fuel rubles per km against the median of the
-- vehicles of the same vehicle_type in the same month (robust: median and MAD); flag ≥ 30% above
-- the median (peer_ratio) and above median + k·MAD; rubles at stake = fuel − median rate × km.
-- With a norm but without litres (fuel rows lacking fuel_liters): the same with fuel rubles per
-- corrected norm litre (the norm removes the consumption spread within a type, so the threshold is
-- norm_peer_ratio, 15%); rubles at stake = fuel − median × norm litres.
-- Grain: one row per flagged vehicle-month.
create or replace function fleet.anomaly_fuel_norm_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
set jit = off
as $$
  with params as materialized (
    select
      fleet.setting($1, 'fuel_norm_check.tolerance') as tolerance,
      array(select jsonb_array_elements_text(fleet.setting_json($1, 'fuel_norm_check.winter_months'))::int) as winter_months,
      fleet.setting($1, 'fuel_norm_check.winter_correction') as winter_correction,
      fleet.setting($1, 'fuel_norm_check.age_years_1') as age_years_1,
      fleet.setting($1, 'fuel_norm_check.age_correction_1') as age_correction_1,
      fleet.setting($1, 'fuel_norm_check.age_years_2') as age_years_2,
      fleet.setting($1, 'fuel_norm_check.age_correction_2') as age_correction_2,
      fleet.setting($1, 'fuel_norm_check.min_km') as min_km,
      fleet.setting($1, 'fuel_norm_check.peer_ratio') as peer_ratio,
      fleet.setting($1, 'fuel_norm_check.norm_peer_ratio') as norm_peer_ratio,
      fleet.setting($1, 'fuel_norm_check.peer_mad_k') as peer_mad_k,
      fleet.setting($1, 'fuel_norm_check.min_peers') as min_peers,
      fleet.setting($1, 'fuel_norm_check.severity_medium') as sev_medium,
      fleet.setting($1, 'fuel_norm_check.severity_high') as sev_high
  ),
  judged as materialized (
    -- The vehicle-months judged (km >= min_km). Their sums come from the roll-up
    -- (sql/expense_rollups.sql: the sums, has_liters — every row with fuel bought has litres — and
    -- the priced sums over the rows up to as_of), never from the expense rows. The corrections
    -- only matter with a norm: computed for those rows alone. value is the peer metric: rubles per
    -- corrected norm litre when the vehicle has a norm (the norm takes out the spread of
    -- consumption within a type), else rubles per km; value_f its float8, the type the peer
    -- statistics compare in (converted once here rather than at every comparison).
    select n.*, n.fuel_rub / n.base as value, (n.fuel_rub / n.base)::float8 as value_f
    from (
      select c.*,
        c.norm_l_100km is not null as normed,
        case when c.norm_l_100km is not null then c.norm_l_100km * c.km / 100 * (1 + c.winter_corr + c.age_corr) else c.km end as base
      from (
        select
          f.gov_number,
          f.month,
          f.km,
          f.fuel_rub,
          f.liters,
          f.has_liters,
          -- byte order ("C"): the type only groups and joins, and memcmp sorts far faster than a locale
          coalesce(v.vehicle_type, f.vehicle_type, '') collate "C" as vehicle_type,
          nullif(v.fuel_consumption, 0) as norm_l_100km,
          v.release_year,
          case when nullif(v.fuel_consumption, 0) is not null then
            case when extract(month from f.month)::int = any (p.winter_months) then p.winter_correction else 0 end
          end as winter_corr,
          case when nullif(v.fuel_consumption, 0) is not null then
            case
              when extract(year from f.month)::int - v.release_year > p.age_years_2 then p.age_correction_2
              when extract(year from f.month)::int - v.release_year > p.age_years_1 then p.age_correction_1
              else 0
            end
          end as age_corr
        from fleet.vehicle_month_facts($1, $2) f
        cross join params p
        left join fleet.vehicles v on v.client_id = $1 and v.gov_number = f.gov_number
        where f.km >= p.min_km
      ) c
    ) n
  ),
  norm_judged as (
    select j.*
    from judged j
    where j.normed and j.has_liters and j.liters > 0
  ),
  vehicle_price as (
    -- the vehicle's own price per litre over all its months (the roll-up's priced sums), for the
    -- vehicles judged by the norm only
    select f.gov_number, sum(f.priced_rub) / nullif(sum(f.priced_liters), 0) as rub_per_liter
    from fleet.vehicle_month_facts($1, $2) f
    where f.gov_number in (select n.gov_number from norm_judged n)
    group by f.gov_number
  ),
  norm_mode as (
    select j.*, vp.rub_per_liter, j.base as norm_liters
    from norm_judged j
    left join vehicle_price vp on vp.gov_number = j.gov_number
  ),
  norm_flags as (
    select
      n.gov_number, n.month, n.liters as observed, n.norm_liters as expected,
      (n.liters - n.norm_liters) * coalesce(n.rub_per_liter, n.fuel_rub / nullif(n.liters, 0), 0) as rub_at_stake,
      n.liters / n.norm_liters - 1 as excess,
      jsonb_build_object(
        'mode', 'norm',
        'unit', 'l',
        'vehicle_type', n.vehicle_type,
        'km', round(n.km, 1),
        'liters', round(n.liters, 2),
        'norm_l_per_100km', n.norm_l_100km,
        'norm_liters', round(n.norm_liters, 2),
        'winter_correction', n.winter_corr,
        'age_correction', n.age_corr,
        'release_year', n.release_year,
        'over_liters', round(n.liters - n.norm_liters, 2),
        'rub_per_liter', round(n.rub_per_liter, 2),
        'l_per_100km', round(n.liters / n.km * 100, 2),
        'fuel_rub', round(n.fuel_rub, 2)
      ) as details
    from norm_mode n
    cross join params p
    where n.liters > n.norm_liters * (1 + p.tolerance)
  ),
  peer_medians as (
    -- one sort per peer group (type, month, normed); each group keeps its values for its MAD
    select b.vehicle_type, b.month, b.normed, count(*) as peers,
      percentile_cont(0.5) within group (order by b.value_f) as median,
      array_agg(b.value_f) as peer_values
    from judged b
    group by b.vehicle_type, b.month, b.normed
  ),
  peer_mad as materialized (
    select pm.vehicle_type, pm.month, pm.normed, pm.peers, pm.median,
      (select percentile_cont(0.5) within group (order by abs(x.value - pm.median)) from unnest(pm.peer_values) x (value)) as mad
    from peer_medians pm
  ),
  peer_flags as (
    select
      b.gov_number, b.month, b.fuel_rub as observed, pm.median * b.base as expected,
      b.fuel_rub - pm.median * b.base as rub_at_stake,
      b.value_f / pm.median - 1 as excess,
      jsonb_build_object(
        'mode', 'peers',
        'unit', 'rub',
        'reason', case when b.normed then 'no_liters' else 'no_norm' end,
        'metric', case when b.normed then 'rub_per_norm_liter' else 'rub_per_km' end,
        'vehicle_type', b.vehicle_type,
        'km', round(b.km, 1),
        'fuel_rub', round(b.fuel_rub, 2),
        'norm_liters', case when b.normed then round(b.base, 2) end,
        'value', round(b.value, 3),
        'peer_median', round(pm.median::numeric, 3),
        'peer_mad', round(pm.mad::numeric, 3),
        'peers', pm.peers
      ) as details
    from judged b
    join peer_mad pm using (vehicle_type, month, normed)
    cross join params p
    where not (b.normed and b.has_liters and b.liters > 0)
      and pm.peers >= p.min_peers
      and pm.median > 0
      and b.value_f >= pm.median * (1 + case when b.normed then p.norm_peer_ratio else p.peer_ratio end)
      and b.value_f > pm.median + p.peer_mad_k * 1.4826 * pm.mad
  ),
  flags as (
    select * from norm_flags
    union all
    select * from peer_flags
  )
  select
    null::bigint, $1, 'fuel_norm_check', 'vehicle', f.gov_number, f.month, (f.month + interval '1 month - 1 day')::date,
    round(f.observed, 2), round(f.expected::numeric, 2),
    case when f.excess >= p.sev_high then 'high' when f.excess >= p.sev_medium then 'medium' else 'low' end,
    round(greatest(f.rub_at_stake::numeric, 0), 2),
    f.details || jsonb_build_object('month', to_char(f.month, 'YYYY-MM'), 'excess_share', round(f.excess::numeric, 4)),
    now()
  from flags f
  cross join params p
  order by f.month, f.gov_number
$$;
comment on function fleet.anomaly_fuel_norm_check(text, date) is 'Rule fuel_norm_check: vehicle-months whose litres exceed the norm × km corrected for winter and age by > tolerance (rubles at the vehicle''s own price per litre); without litres or a norm, fuel rubles per km ≥ 30% and k·MAD above the same vehicle type''s median.';
