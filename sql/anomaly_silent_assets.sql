-- Rule silent_assets: vehicles that stand still while they keep costing money — at least min_days
-- (21) consecutive days without kilometres (days without rows count as still; the run is bounded
-- by driven days or by the vehicle's first/last day in the data) during which costs were posted
-- (insurance, rent, tax, parking, amortization…). A still period whose repair-category costs
-- (fleet.expense_categories.counts_as_repair) are at least repair_share of its cash costs (all
-- costs except fuel and amortization) and at least repair_ratio × the vehicle's usual repair spend
-- for that many days (its average daily cost outside still periods × the repair share of the
-- vehicles examined; so a seasonal tyre change does not excuse a month of standing) is a repair
-- downtime, not flagged. Only vehicles whose months leave room for such a run are examined day by
-- day (a run of ≥ 21 days leaves ≥ 11 undriven days in a month it touches).
-- Rubles at stake = the period's costs other than repairs and fuel (fuel on idle days is
-- idle_fuel's).
-- Grain: one row per flagged still period of a vehicle.
-- fleet.client_repair_share: the repair-category share of spending up to as_of — of the client's
-- vehicles listed in gov_numbers (of all of them when null), in one pass over their rows. The
-- column list comes from fleet.expense_categories (counts_as_repair), quoted with %I — reference
-- data, never caller input.
drop function if exists fleet.client_repair_share(text, date);
create or replace function fleet.client_repair_share(client_id text, as_of date, gov_numbers text[] default null)
returns numeric
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_expr text;
  v_share numeric;
begin
  select string_agg(format('e.%I', ec.category), ' + ' order by ec.category) into v_expr
  from fleet.expense_categories ec
  join pg_attribute a
    on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped
  where ec.counts_as_repair;
  if v_expr is null then
    return 0;
  end if;
  execute format(
    'select sum(%s) / nullif(sum(e.total_cost), 0) from fleet.expenses e
     where e.client_id = $1 and e.date <= $2 and ($3 is null or e.gov_number = any ($3))', v_expr)
    into v_share using client_id, as_of, gov_numbers;
  return coalesce(v_share, 0);
end;
$fn$;
comment on function fleet.client_repair_share(text, date, text[]) is 'Share of spending (up to as_of) in repair categories (expense_categories.counts_as_repair) of the listed vehicles of a client (all when null); 0 without spending.';

-- fleet.vehicle_category_costs: a vehicle's spend per money category over a date range, one row
-- per category of fleet.expense_categories (one pass over the range's rows through the primary
-- key). Column names come from fleet.expense_categories, quoted with %I — reference data, never
-- caller input.
create or replace function fleet.vehicle_category_costs(client_id text, gov_number text, from_date date, to_date date)
returns table (category text, counts_as_repair boolean, amount numeric)
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_names text;
  v_sums text;
begin
  select string_agg(quote_literal(ec.category), ', ' order by ec.sort_order, ec.category),
         string_agg(format('coalesce(sum(e.%I), 0)', ec.category), ', ' order by ec.sort_order, ec.category)
    into v_names, v_sums
  from fleet.expense_categories ec
  join pg_attribute a
    on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped;
  if v_names is null then
    return;
  end if;
  return query execute format(
    'select x.category, ec.counts_as_repair, x.amount
     from (
       select unnest(array[%s]::text[]) as category, unnest(array[%s]::numeric[]) as amount
       from fleet.expenses e
       where e.client_id = $1 and e.gov_number = $2 and e.date between $3 and $4
     ) x
     join fleet.expense_categories ec on ec.category = x.category', v_names, v_sums)
    using client_id, gov_number, from_date, to_date;
end;
$fn$;
comment on function fleet.vehicle_category_costs(text, text, date, date) is 'A vehicle''s spend per money category (and whether it counts as repair) between two dates, inclusive.';

create or replace function fleet.anomaly_silent_assets(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
as $$
  with params as materialized (
    select
      fleet.setting($1, 'silent_assets.min_days') as min_days,
      fleet.setting($1, 'silent_assets.repair_share') as repair_share,
      fleet.setting($1, 'silent_assets.repair_ratio') as repair_ratio,
      fleet.setting($1, 'silent_assets.severity_medium') as sev_medium,
      fleet.setting($1, 'silent_assets.severity_high') as sev_high
  ),
  vehicle_month as (
    -- per vehicle-month from the shared vehicle-driver-month intermediate (cached for the analyze
    -- transaction by fleet.expenses_cache_refresh): driven days (a row with km > 0) and days with
    -- rows as bit masks of the month's days (bit d-1 = day d)
    select v.gov_number, v.month,
      bit_or(v.driven_mask) as driven_mask,
      bit_or(v.day_mask)::bit(32)::text as days
    from fleet.expenses_by_vehicle_driver_month($1, $2) v
    group by v.gov_number, v.month
  ),
  vehicle_span as (
    -- the first day is the lowest set bit of the first month, the last the highest of the last
    select vm.gov_number,
      min(vm.month + (32 - length(rtrim(vm.days, '0')))) as first_date,
      max(vm.month + (length(ltrim(vm.days, '0')) - 1)) as last_date
    from vehicle_month vm
    group by vm.gov_number
  ),
  candidates as materialized (
    -- vehicles that may have a still run: a run of ≥ min_days days leaves ≥ ceil(min_days / 2)
    -- undriven days (within the vehicle's span) in a month it touches, or skips a month of rows
    select distinct vm.gov_number
    from (
      select vm.*, lead(vm.month) over (partition by vm.gov_number collate "C" order by vm.month) as next_month
      from vehicle_month vm
    ) vm
    join vehicle_span vs using (gov_number)
    cross join params p
    where (least((vm.month + interval '1 month - 1 day')::date, vs.last_date) - greatest(vm.month, vs.first_date) + 1)
          - bit_count(vm.driven_mask::bit(32)) >= ceil(p.min_days / 2.0)
       or vm.next_month > (vm.month + interval '1 month')::date
  ),
  marks as (
    -- the candidates' driven days, plus a virtual driven day just outside each end of their data
    select c.gov_number, d.date
    from candidates c
    cross join lateral (
      select distinct e.date
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = c.gov_number and e.date <= $2 and e.daily_distance > 0
    ) d
    union all
    select vs.gov_number, unnest(array[vs.first_date - 1, vs.last_date + 1])
    from vehicle_span vs
    where vs.gov_number in (select c.gov_number from candidates c)
  ),
  gaps as (
    -- collate "C": the partition only groups, and byte order sorts twice as fast as a locale's
    select m.gov_number, m.date + 1 as start_date, lead(m.date) over (partition by m.gov_number collate "C" order by m.date) - 1 as end_date
    from marks m
  ),
  still as (
    select g.gov_number, g.start_date, g.end_date, g.end_date - g.start_date + 1 as days
    from gaps g
    cross join params p
    where g.end_date - g.start_date + 1 >= p.min_days
  ),
  costs as (
    select
      s.gov_number, s.start_date, s.end_date, s.days,
      c.total, c.fuel, c.amortization, k.repair, k.categories, c.rows
    from still s
    cross join lateral (
      select
        coalesce(sum(r.total_cost), 0) as total,
        coalesce(sum(r.fuel), 0) as fuel,
        coalesce(sum(r.amortization), 0) as amortization,
        count(distinct r.date) as rows
      from fleet.expenses r
      where r.client_id = $1 and r.gov_number = s.gov_number and r.date between s.start_date and s.end_date
    ) c
    cross join lateral (
      select
        coalesce(sum(x.amount) filter (where x.counts_as_repair), 0) as repair,
        jsonb_object_agg(x.category, round(x.amount, 2) order by x.category) filter (where x.amount <> 0) as categories
      from fleet.vehicle_category_costs($1, s.gov_number, s.start_date, s.end_date) x
    ) k
  ),
  client_repair as materialized (
    select fleet.client_repair_share($1, $2, array(select c.gov_number from candidates c)) as repair_share_of_total
  ),
  vehicle_repair as (
    -- the vehicle's usual repair spend per day: its average daily cost outside its still periods
    -- (all its days minus the still ones) × the client's repair share; index range reads for the
    -- vehicles with a still period only
    select v.gov_number,
      (x.total - v.still_total) / nullif(x.days - v.still_days, 0) * coalesce(cr.repair_share_of_total, 0) as repair_per_day
    from (select c.gov_number, sum(c.total) as still_total, sum(c.rows) as still_days from costs c group by c.gov_number) v
    cross join client_repair cr
    cross join lateral (
      select sum(e.total_cost) as total, count(distinct e.date) as days
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = v.gov_number and e.date <= $2
    ) x
  ),
  totals as (
    select c.*, c.total as total_cost, c.fuel as fuel_cost, c.amortization as amortization_cost, vr.repair_per_day
    from costs c
    left join vehicle_repair vr using (gov_number)
  )
  select
    null::bigint, $1, 'silent_assets', 'vehicle', t.gov_number, t.start_date, t.end_date,
    t.days, p.min_days,
    case when t.days >= p.sev_high then 'high' when t.days >= p.sev_medium then 'medium' else 'low' end,
    round(t.total_cost - t.repair - t.fuel_cost, 2),
    jsonb_build_object(
      'days', t.days,
      'days_with_rows', t.rows,
      'costs_rub', round(t.total_cost, 2),
      'repair_rub', round(t.repair, 2),
      'fuel_rub', round(t.fuel_cost, 2),
      'amortization_rub', round(t.amortization_cost, 2),
      'idle_costs_rub', round(t.total_cost - t.repair - t.fuel_cost, 2),
      'usual_repair_rub', round(coalesce(t.repair_per_day, 0) * t.days, 2),
      'repair_share', round(t.repair / nullif(t.total_cost - t.fuel_cost - t.amortization_cost, 0), 4),
      'categories', coalesce(t.categories, '{}'::jsonb)
    ),
    now()
  from totals t
  cross join params p
  where t.total_cost - t.repair - t.fuel_cost > 0
    and not (
      t.repair >= p.repair_share * (t.total_cost - t.fuel_cost - t.amortization_cost)
      and t.repair >= p.repair_ratio * coalesce(t.repair_per_day, 0) * t.days
    )
  order by t.start_date, t.gov_number
$$;
comment on function fleet.anomaly_silent_assets(text, date) is 'Rule silent_assets: runs of ≥ min_days days without km while non-repair costs are posted (repair downtimes excluded by repair_share); rubles at stake = those costs.';
