-- Rule odometer_check: impossible odometer readings and mileage, where the data has them. Per
-- vehicle, readings (odometer_km > 0) in date order (a day's rows by reading): a reading lower
-- than the previous one by more than the tolerance (rollback), or an advance of more than
-- max_km_per_day per elapsed day (jump); and any vehicle-day whose daily_distance exceeds
-- max_km_per_day (looked for among the days with a row above half of it).
-- Rubles at stake: for a jump, the km it adds beyond the reported daily_distance × the vehicle's
-- fuel rubles per km (the fuel such phantom km could justify); rollbacks and impossible daily
-- mileage carry no direct rubles (0) but are severity high / medium.
-- Grain: one row per flagged vehicle-day.
create or replace function fleet.anomaly_odometer_check(client_id text, as_of date)
returns setof fleet.anomalies
language sql stable
set work_mem = '128MB'
set jit = off
as $$
  with params as materialized (
    select
      fleet.setting($1, 'odometer_check.max_km_per_day') as max_km,
      fleet.setting($1, 'odometer_check.backwards_tolerance_km') as tol
  ),
  month_screen as (
    -- One pass over the vehicle-months of the roll-up (sql/expense_rollups.sql), in vehicle and
    -- month order: per month its odometer statistics, the last reading before the month, whether
    -- the month's largest vehicle-day km exceeds max_km, and the vehicle's fuel rubles and km up to
    -- as_of. The previous reading's date is the latest odo_last_date of the earlier months (dates
    -- grow with the months); its value is the previous month's odo_last when that month has
    -- readings, else (rare: a month with rows but no readings between) the odo_last of the month
    -- of that date, a complete month, looked up in the roll-up by its key.
    select s.*,
      case
        when s.prev_reading_date is null then null
        when s.prev_row_last_date = s.prev_reading_date then s.prev_row_last
        else (
          select v.odo_last
          from fleet.vehicle_months v
          where v.client_id = $1 and v.gov_number = s.gov_number
            and v.month = date_trunc('month', s.prev_reading_date::timestamp)::date)
      end as prev_reading
    from (
      select f.gov_number, f.month, f.max_day_km, f.odo_readings, f.odo_first_date, f.odo_first, f.odo_max_rate,
        f.odo_min_step,
        max(f.odo_last_date) over (w rows between unbounded preceding and 1 preceding) as prev_reading_date,
        lag(f.odo_last_date) over w as prev_row_last_date,
        lag(f.odo_last) over w as prev_row_last,
        sum(f.fuel_rub) over v as vehicle_fuel_rub,
        sum(f.km) over v as vehicle_km
      from fleet.vehicle_month_facts($1, $2) f
      -- collate "C": the partition only groups, and byte order sorts faster than a locale
      window v as (partition by f.gov_number collate "C"), w as (partition by f.gov_number collate "C" order by f.month)
    ) s
  ),
  candidate_months as materialized (
    -- Screening: a month can hold a flagged reading only if one of its consecutive pairs jumps
    -- (odo_max_rate, the largest advance per elapsed day; >= for safety against the rounding of
    -- that quotient) or rolls back (odo_min_step), or if its first reading against the last one
    -- before the month does (the same test as below, exactly; should the previous value be
    -- missing, the month is read).
    -- A vehicle-day above max_km needs max_day_km above it.
    select c.*
    from (
      select m.gov_number, m.month, m.prev_reading_date, m.vehicle_fuel_rub, m.vehicle_km,
        coalesce(m.odo_readings > 0 and (
          m.odo_max_rate >= p.max_km
          or m.odo_min_step < -p.tol
          or (m.prev_reading_date is not null and (
            m.prev_reading is null
            or m.odo_first - m.prev_reading > p.max_km * greatest(m.odo_first_date - m.prev_reading_date, 1)
            or m.odo_first < m.prev_reading - p.tol))), false) as reading_candidate,
        m.max_day_km > p.max_km as mileage_candidate
      from month_screen m
      cross join params p
    ) c
    where c.reading_candidate or c.mileage_candidate
  ),
  readings as (
    -- the candidate months' readings (rows with odometer_km > 0 up to as_of) from the last reading
    -- before the month on, read through the primary key; in (date, reading) order, so several
    -- drivers' rows of a day never look like a rollback
    select c.month, c.vehicle_fuel_rub, c.vehicle_km, r.*
    from candidate_months c
    cross join lateral (
      select
        e.gov_number, e.date, e.odometer_km as odometer,
        lag(e.odometer_km) over w as prev_odometer,
        lag(e.date) over w as prev_date
      from fleet.expenses e
      where e.client_id = $1 and e.gov_number = c.gov_number
        and e.date >= coalesce(c.prev_reading_date, c.month)
        and e.date < (c.month + interval '1 month')::date and e.date <= $2
        and e.odometer_km > 0
      window w as (order by e.date, e.odometer_km)
    ) r
    where c.reading_candidate
  ),
  flagged as (
    select r.gov_number, r.date, r.odometer, r.prev_odometer, r.prev_date,
      -- the vehicle's fuel rubles per km up to as_of
      r.vehicle_fuel_rub / nullif(r.vehicle_km, 0) as rub_per_km
    from readings r
    cross join params p
    where r.date >= r.month
      and (r.odometer - r.prev_odometer > p.max_km * greatest(r.date - r.prev_date, 1)
        or r.odometer < r.prev_odometer - p.tol)
  ),
  reported_km as (
    -- km reported after the previous reading up to and including this day (index range reads for
    -- the flagged readings only)
    select f.*, b.km_between
    from flagged f
    cross join lateral (
      select coalesce(sum(x.daily_distance), 0) as km_between
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = f.gov_number and x.date > f.prev_date and x.date <= f.date
    ) b
  ),
  mileage as (
    -- vehicle-days over max_km, looked for among the days with a row above half of it, in the
    -- candidate months (index range reads)
    select c.gov_number, d.date, d.km
    from candidate_months c
    cross join params p
    cross join lateral (
      select x.date, sum(x.daily_distance) as km, bool_or(x.daily_distance > p.max_km / 2) as half_row
      from fleet.expenses x
      where x.client_id = $1 and x.gov_number = c.gov_number
        and x.date >= c.month and x.date < (c.month + interval '1 month')::date and x.date <= $2
      group by x.date
    ) d
    where c.mileage_candidate and d.half_row and d.km > p.max_km
  ),
  events as (
    select
      rk.gov_number, rk.date,
      case when rk.odometer < rk.prev_odometer then 'backwards' else 'jump' end as kind,
      rk.odometer as observed,
      rk.prev_odometer + rk.km_between as expected,
      case when rk.odometer > rk.prev_odometer
        then greatest(rk.odometer - rk.prev_odometer - rk.km_between, 0) * coalesce(rk.rub_per_km, 0)
        else 0 end as rub_at_stake,
      jsonb_build_object(
        'reading_km', rk.odometer,
        'previous_reading_km', rk.prev_odometer,
        'previous_date', to_char(rk.prev_date, 'YYYY-MM-DD'),
        'delta_km', rk.odometer - rk.prev_odometer,
        'days', rk.date - rk.prev_date,
        'reported_km_between', rk.km_between,
        'fuel_rub_per_km', round(rk.rub_per_km, 3)
      ) as details
    from reported_km rk
    union all
    select
      m.gov_number, m.date, 'mileage', m.km, p.max_km, 0,
      jsonb_build_object('daily_distance_km', m.km)
    from mileage m
    cross join params p
  )
  select
    null::bigint, $1, 'odometer_check', 'vehicle', ev.gov_number, ev.date, ev.date,
    ev.observed, round(ev.expected, 1),
    case when ev.kind = 'backwards' then 'high' else 'medium' end,
    round(ev.rub_at_stake, 2),
    ev.details || jsonb_build_object('kind', ev.kind, 'max_km_per_day', p.max_km),
    now()
  from events ev
  cross join params p
  order by ev.date, ev.gov_number, ev.kind
$$;
comment on function fleet.anomaly_odometer_check(text, date) is 'Rule odometer_check: odometer rollbacks, advances above max_km_per_day per elapsed day, and daily_distance above max_km_per_day; rubles at stake = phantom km of a jump × the vehicle''s fuel rubles per km.';
