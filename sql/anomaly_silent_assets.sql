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
-- Where the data comes from: driven days and days with rows from the day masks of the
-- vehicle-month roll-up (fleet.vehicle_month_facts, fleet.expenses_by_vehicle_month: ~33k rows,
-- not the client's expense rows), per-vehicle totals from their sums; raw rows of
-- fleet.expenses only for the still periods found (index ranges of the primary key); the examined
-- vehicles' repair share from the vehicle-month roll-up (fleet.client_repair_share).
-- fleet.client_repair_share: the repair-category share of spending up to as_of — of the client's
-- vehicles listed in gov_numbers (of all of them when null), from the vehicle-month roll-up
-- (vehicle_months.repair_cost sums the categories fleet.expense_categories counts as repair).
drop function if exists fleet.client_repair_share(text, date);
create or replace function fleet.client_repair_share(client_id text, as_of date, gov_numbers text[] default null)
returns numeric
language sql stable
as $fn$
  select coalesce(sum(v.repair_cost) / nullif(sum(v.total_cost), 0), 0)
  from fleet.vehicle_month_facts($1, $2) v
  where $3 is null or v.gov_number = any ($3)
$fn$;
comment on function fleet.client_repair_share(text, date, text[]) is 'Share of spending (up to as_of) in repair categories (expense_categories.counts_as_repair) of the listed vehicles of a client (all when null); 0 without spending.';

-- fleet.vehicle_period_costs: the spend of vehicles over date ranges — the i-th range is vehicle
-- gov_numbers[i] from from_dates[i] to to_dates[i], inclusive; one row per range: total, fuel,
-- amortization, days with rows, the repair categories' sum (expense_categories.counts_as_repair)
-- and the non-zero categories as {category: rubles rounded to 2}. One statement for all ranges,
-- each read through the primary key. Column names come from fleet.expense_categories, quoted with
-- %I — reference data, never caller input.
drop function if exists fleet.vehicle_category_costs(text, text, date, date);
create or replace function fleet.vehicle_period_costs(client_id text, gov_numbers text[], from_dates date[], to_dates date[])
returns table (gov_number text, from_date date, to_date date, total numeric, fuel numeric, amortization numeric,
               days_with_rows bigint, repair numeric, categories jsonb)
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
  return query execute format(
    'select r.gov_number, r.from_date, r.to_date, c.total, c.fuel, c.amortization, c.days_with_rows, k.repair, k.categories
     from unnest($2, $3, $4) r (gov_number, from_date, to_date)
     cross join lateral (
       select
         coalesce(sum(e.total_cost), 0) as total,
         coalesce(sum(e.fuel), 0) as fuel,
         coalesce(sum(e.amortization), 0) as amortization,
         count(distinct e.date) as days_with_rows,
         array[%s]::numeric[] as amounts
       from fleet.expenses e
       where e.client_id = $1 and e.gov_number = r.gov_number and e.date between r.from_date and r.to_date
     ) c
     cross join lateral (
       select
         coalesce(sum(x.amount) filter (where ec.counts_as_repair), 0) as repair,
         jsonb_object_agg(x.category, round(x.amount, 2)) filter (where x.amount <> 0) as categories
       from unnest(array[%s]::text[], c.amounts) x (category, amount)
       join fleet.expense_categories ec on ec.category = x.category
     ) k', coalesce(v_sums, ''), coalesce(v_names, ''))
    using client_id, gov_numbers, from_dates, to_dates;
end;
$fn$;
comment on function fleet.vehicle_period_costs(text, text[], date[], date[]) is 'Spend of vehicle i (gov_numbers[i]) from from_dates[i] to to_dates[i]: total, fuel, amortization, days with rows, repair categories, non-zero categories as JSON.';

create or replace function fleet.anomaly_silent_assets(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
-- a few small scans and sorts: JIT compilation would cost far more than it saves
set jit = off
as $$
  with params as materialized (
    select p.*,
      -- a run of ≥ min_days days leaves at least this many undriven days in a month it touches
      ceil(p.min_days / 2.0) as month_room,
      -- a still run in a day string (candidate_days): ≥ min_days undriven days. A regex bound is at
      -- most 255; longer thresholds are applied to the runs' lengths (still)
      '0{' || greatest(1, least(255, ceil(p.min_days)))::int || ',}' as still_run
    from (
      select
        fleet.setting($1, 'silent_assets.min_days') as min_days,
        fleet.setting($1, 'silent_assets.repair_share') as repair_share,
        fleet.setting($1, 'silent_assets.repair_ratio') as repair_ratio,
        fleet.setting($1, 'silent_assets.severity_medium') as sev_medium,
        fleet.setting($1, 'silent_assets.severity_high') as sev_high
    ) p
  ),
  vehicle_day_masks as materialized (
    -- the day masks of the vehicle-month roll-up: days with rows and driven days (a row with
    -- km > 0) of each vehicle and month, bit d-1 = day d
    select v.gov_number, v.month, v.day_mask, v.driven_mask
    from fleet.vehicle_month_facts($1, $2) v
  ),
  vehicle_span as materialized (
    -- per vehicle: its first and last month, and its first and last day — the lowest set bit of
    -- the first month's days, the highest of the last month's (a mask's highest set bit = how many
    -- of the powers of two 2..2^30 it reaches; m & -m keeps the lowest)
    select v.gov_number,
      min(v.month) as first_month,
      max(v.month) as last_month,
      min(v.month + width_bucket(v.day_mask & -v.day_mask, p.powers)) as first_date,
      max(v.month + width_bucket(v.day_mask, p.powers)) as last_date
    from vehicle_day_masks v
    cross join (select array(select 1 << i from generate_series(1, 30) i) as powers) p
    group by v.gov_number
  ),
  months as materialized (
    -- every month from the client's first to its last, with its last day (timestamp without time
    -- zone: month arithmetic independent of the session's time zone)
    select g::date as month, (g + interval '1 month - 1 day')::date as month_end
    from generate_series(
      (select min(vs.first_month) from vehicle_span vs)::timestamp,
      (select max(vs.last_month) from vehicle_span vs)::timestamp,
      interval '1 month') g
  ),
  vehicle_screen as materialized (
    -- per vehicle from its months (the shared vehicle-month intermediate):
    -- whether a month has ≥ month_room undriven days within the vehicle's span, how many months
    -- have rows, and its all-time spend and days with rows
    select vs.gov_number, vs.first_month, vs.last_month,
      bool_or(least(m.month_end, vs.last_date) - greatest(vm.month, vs.first_date) + 1 - vm.driven_days >= p.month_room) as month_with_room,
      count(*) as months_with_rows,
      sum(vm.total_cost) as total,
      sum(vm.vehicle_days)::bigint as days
    from fleet.expenses_by_vehicle_month($1, $2) vm
    join vehicle_span vs using (gov_number)
    join months m using (month)
    cross join params p
    group by vs.gov_number, vs.first_month, vs.last_month
  ),
  candidates as materialized (
    -- vehicles that may have a still run: a run of ≥ min_days days leaves ≥ month_room undriven
    -- days (within the vehicle's span) in a month it touches, or skips a month of rows (fewer
    -- months with rows than months from its first to its last)
    select s.gov_number
    from vehicle_screen s
    where s.month_with_room
       or s.months_with_rows < (date_part('year', s.last_month) - date_part('year', s.first_month)) * 12
                               + date_part('month', s.last_month) - date_part('month', s.first_month) + 1
  ),
  candidate_month as (
    -- the candidates' driven days per month (bit d-1 = day d)
    select v.gov_number, v.month, v.driven_mask
    from vehicle_day_masks v
    where v.gov_number in (select c.gov_number from candidates c)
  ),
  candidate_days as (
    -- a candidate's days from its first to its last day as a string, one character a day: '1'
    -- driven, '0' not (days of months without rows too): a month's characters are its driven mask
    -- read from bit 0 (day 1), cut to the month's length
    select vs.gov_number, vs.first_date,
      substr(
        string_agg(substr(reverse(coalesce(cm.driven_mask, 0)::bit(32)::text), 1, m.month_end - m.month + 1), '' order by m.month),
        vs.first_date - vs.first_month + 1,
        vs.last_date - vs.first_date + 1) as driven
    from vehicle_span vs
    join months m on m.month between vs.first_month and vs.last_month
    left join candidate_month cm on cm.gov_number = vs.gov_number and cm.month = m.month
    where vs.gov_number in (select c.gov_number from candidates c)
    group by vs.gov_number, vs.first_date, vs.first_month, vs.last_date
  ),
  still as (
    -- the still runs: maximal runs of undriven days between driven days or the span's ends, the
    -- n-th match of the pattern (greedy, so a match is a whole run)
    select d.gov_number, d.first_date + r.pos - 1 as start_date, d.first_date + r.pos + r.days - 2 as end_date, r.days
    from candidate_days d
    cross join params p
    cross join lateral (
      select regexp_instr(d.driven, p.still_run, 1, n) as pos, length(regexp_substr(d.driven, p.still_run, 1, n)) as days
      from generate_series(1, regexp_count(d.driven, p.still_run)) n
    ) r
    where r.days >= p.min_days
  ),
  costs as (
    -- the still periods' spend, one statement reading each period's rows by index range
    select
      c.gov_number, c.from_date as start_date, c.to_date as end_date, c.to_date - c.from_date + 1 as days,
      c.total, c.fuel, c.amortization, c.repair, c.categories, c.days_with_rows as rows
    from (
      select
        array_agg(s.gov_number order by s.gov_number, s.start_date) as gov_numbers,
        array_agg(s.start_date order by s.gov_number, s.start_date) as from_dates,
        array_agg(s.end_date order by s.gov_number, s.start_date) as to_dates
      from still s
    ) s
    cross join lateral fleet.vehicle_period_costs($1, s.gov_numbers, s.from_dates, s.to_dates) c
  ),
  client_repair as materialized (
    select fleet.client_repair_share($1, $2, array(select c.gov_number from candidates c)) as repair_share_of_total
  ),
  vehicle_repair as (
    -- the vehicle's usual repair spend per day: its average daily cost outside its still periods
    -- (all its days minus the still ones) × the examined vehicles' repair share
    select v.gov_number,
      (x.total - v.still_total) / nullif(x.days - v.still_days, 0) * coalesce(cr.repair_share_of_total, 0) as repair_per_day
    from (select c.gov_number, sum(c.total) as still_total, sum(c.rows) as still_days from costs c group by c.gov_number) v
    join vehicle_screen x using (gov_number)
    cross join client_repair cr
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
