--! Previous: sha1:43772c196f16e1ef5d32346349a74894e8d59dff
--! Hash: sha1:84fbe3db041b1c536a6b085809f5e854135b15d7
--! Message: Odometer readings packed into one bigint in the vehicle-month roll-up

-- The vehicle-month roll-up packs an odometer reading into one bigint (date, tenths of a km):
-- previous-reading lookups become integer compares (vehicle_months 15.6 s → 8.7 s per 1M rows).
--! Included rollup_select.sql
-- fleet.rollup_select: the one definition of the rows of each roll-up of fleet.expenses (see
-- sql/expense_rollups.sql for the tables and the triggers that maintain them).
-- The aggregate of each roll-up over a row source: a query text with one %s, the source relation
-- (fleet.expenses rows or a trigger's transition table; for driver_months, fleet.expense_months
-- rows). Used by the triggers, the rebuild and the readers' as_of month; the callers substitute one
-- of their fixed source texts, never input.
create or replace function fleet.rollup_select(kind text)
returns text
language sql stable
as $fn$
  select replace(case kind
  when 'expense_months' then $q$
    select
      x.client_id,
      x.gov_number,
      x.driver,
      x.month,
      sum(x.fuel),
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.daily_distance),
      sum(x.fuel_liters),
      sum(x.total_cost),
      count(*),
      bit_or(x.day_bit),
      coalesce(bit_or(x.day_bit) filter (where x.daily_distance > 0), 0),
      coalesce(bit_or(x.day_bit) filter (where x.fines > 0), 0),
      coalesce(sum(x.total_cost) filter (where x.daily_distance = 0), 0),
      coalesce(sum(x.fuel) filter (where x.daily_distance = 0), 0)
    from (
      -- byte-order keys ("C"): grouping needs equality only, and memcmp hashes far faster
      select r.client_id, r.gov_number collate "C" as gov_number, r.driver collate "C" as driver, m.month,
        1 << (r.date - m.month) as day_bit,
        r.fuel, r.calculated_salary, r.fines, r.maintenance, r.daily_distance, r.fuel_liters, r.total_cost
      from %s r
      -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
      cross join lateral (select date_trunc('month', r.date::timestamp)::date as month) m
    ) x
    group by x.client_id, x.gov_number, x.driver, x.month
  $q$
  when 'client_months' then $q$
    select
      x.client_id,
      x.month,
      sum(x.fuel),
      sum(x.repair),
      sum(x.insurance),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.tire_service),
      sum(x.carwash),
      sum(x.parking),
      sum(x.flat_roads),
      sum(x.calculated_salary),
      sum(x.antifreeze_liquid),
      sum(x.engine_oil),
      sum(x.brake_fluid),
      sum(x.spark_plugs),
      sum(x.fuel_filters),
      sum(x.filters),
      sum(x.timing_belts),
      sum(x.brake_pads),
      sum(x.other_cost),
      sum(x.rental_expense),
      sum(x.amortization),
      sum(x.transport_tax),
      sum(x.casco),
      sum(x.fire_extinguishers),
      sum(x.first_aid_kits),
      sum(x.hydraulic_oil),
      sum(x.special_lubricants),
      sum(x.customs_fees),
      sum(x.cargo_insurance),
      sum(x.transloading_fees),
      sum(x.temp_control_maintenance),
      sum(x.sterilization_costs),
      sum(x.pharma_licenses),
      sum(x.bucket_parts),
      sum(x.daily_distance),
      sum(x.fuel_liters),
      sum(x.total_cost),
      count(*)
    from (
      select date_trunc('month', r.date::timestamp)::date as month, r.*
      from %s r
    ) x
    group by x.client_id, x.month
  $q$
  when 'vehicle_months' then $q$
    select
      x.client_id,
      x.gov_number,
      x.month,
      (count(*) filter (where x.day_row = 1))::int,
      sum(x.daily_distance),
      sum(x.fuel),
      sum(x.fuel_liters),
      bool_and(x.fuel_liters is not null) filter (where x.fuel > 0 or x.fuel_liters > 0),
      sum(x.fuel) filter (where x.fuel_liters > 0 and x.fuel > 0),
      sum(x.fuel_liters) filter (where x.fuel_liters > 0 and x.fuel > 0),
      max(x.vehicle_type),
      max(x.vehicle_type) filter (where x.fuel_liters > 0 and x.fuel > 0),
      max(x.day_km),
      (array_agg(x.day_km order by x.day_km) filter (where x.day_row = 1 and x.day_fuel > 0))[1:8],
      (count(*) filter (where x.odometer_km > 0))::int,
      date '0001-01-01' + (min(x.reading) / 10000000000000)::int,
      mod(min(x.reading), 10000000000000)::numeric * 0.1,
      date '0001-01-01' + (max(x.reading) / 10000000000000)::int,
      mod(max(x.reading), 10000000000000)::numeric * 0.1,
      max((x.odometer_km - mod(x.prev_reading, 10000000000000)::numeric * 0.1)
          / greatest(x.date - (date '0001-01-01' + (x.prev_reading / 10000000000000)::int), 1))
        filter (where x.odometer_km > 0),
      min(x.odometer_km - mod(x.prev_reading, 10000000000000)::numeric * 0.1) filter (where x.odometer_km > 0),
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.maintenance),
      sum(x.total_cost),
      count(*),
      (count(*) filter (where x.day_row = 1 and x.day_km > 0))::int,
      (count(*) filter (where x.day_row = 1 and x.day_km = 0))::int,
      coalesce(sum(x.total_cost) filter (where x.day_km = 0), 0),
      coalesce(sum(x.fuel) filter (where x.day_km = 0), 0),
      sum(x.repair_cost),
      bit_or(1 << (x.date - x.month)),
      coalesce(bit_or(1 << (x.date - x.month)) filter (where x.daily_distance > 0), 0)
    from (
      -- One sort, by vehicle, month, date and reading (the order of fleet.anomaly_odometer_check),
      -- serves both windows and the grouping: d is the vehicle-day (its km and fuel over all its
      -- rows), w the month's rows in reading order. A reading is packed into one bigint, days since
      -- 0001-01-01 × 10^13 + tenths of a km (odometer_km is numeric(12,1): < 10^12 tenths), so the
      -- greatest one before a row is the previous reading, whatever rows without one lie between,
      -- and comparing them is an integer compare.
      select y.*,
        sum(y.daily_distance) over d as day_km,
        sum(y.fuel) over d as day_fuel,
        row_number() over d as day_row,
        max(y.reading) over (w rows between unbounded preceding and 1 preceding) as prev_reading
      from (
        select r.client_id, r.gov_number collate "C" as gov_number, m.month, r.date, r.daily_distance, r.fuel,
          r.fuel_liters, r.vehicle_type, r.odometer_km, r.calculated_salary, r.fines, r.maintenance, r.total_cost,
          /*repair_cost*/ as repair_cost,
          case when r.odometer_km > 0
            then (r.date - date '0001-01-01')::bigint * 10000000000000 + (r.odometer_km * 10)::bigint end as reading
        from %s r
        cross join lateral (select date_trunc('month', r.date::timestamp)::date as month) m
      ) y
      window d as (partition by y.client_id, y.gov_number, y.month, y.date),
        w as (partition by y.client_id, y.gov_number, y.month order by y.date, y.odometer_km)
    ) x
    group by x.client_id, x.gov_number, x.month
  $q$
  when 'driver_months' then $q$
    select
      x.client_id,
      x.driver,
      x.month,
      sum(x.calculated_salary),
      sum(x.fines),
      sum(x.daily_distance),
      sum(x.fuel),
      sum(x.total_cost),
      sum(x.expense_rows)::bigint,
      -- a day on two vehicles is one driver-day: OR the vehicles' day masks
      coalesce(bit_count(bit_or(x.day_mask)::bit(32)), 0)::int,
      coalesce(bit_count(bit_or(x.fine_mask)::bit(32)), 0)::int,
      bit_or(x.day_mask),
      bit_or(x.driven_mask),
      bit_or(x.fine_mask)
    from %s x
    where x.driver <> ''
    group by x.client_id, x.driver, x.month
  $q$
  end,
  -- the repair categories are reference data (fleet.expense_categories), quoted with %I
  '/*repair_cost*/',
  (select coalesce(string_agg(format('r.%I', ec.category), ' + ' order by ec.category), '0')
   from fleet.expense_categories ec
   join pg_attribute a
     on a.attrelid = 'fleet.expenses'::regclass and a.attname = ec.category and a.attnum > 0 and not a.attisdropped
   where ec.counts_as_repair))
$fn$;
comment on function fleet.rollup_select(text) is 'The aggregate query of a roll-up (expense_months | client_months | vehicle_months | driver_months) over a row source (%s): the one definition of its rows.';
--! EndIncluded rollup_select.sql
