-- fleet.expenses_by_vehicle_driver_month: one row per vehicle, driver (including '' = unknown) and
-- month of a client's expenses up to as_of, with the sum of every money category, km, litres,
-- total and rows. The finest shared intermediate and the only one that reads fleet.expenses in bulk:
-- fleet.expenses_by_month, fleet.expenses_by_vehicle_month and fleet.expenses_by_driver_month are
-- sums of its rows, so an analyze run reads fleet.expenses once (see expenses_cache.sql).
-- Day-level facts survive the aggregation as bit masks of the days of the month (bit d-1 = day d):
-- day_mask (days with a row), driven_mask (days with daily_distance > 0), fine_mask (days with
-- fines > 0). OR-ing masks across rows gives exact distinct day counts (vehicle-days, driven days,
-- days with fines) without a per-day intermediate. zero_km_cost / zero_km_fuel are the sums over
-- rows with daily_distance = 0 (exact per vehicle-day unless a vehicle-day has several drivers'
-- rows; fleet.expenses_by_vehicle_month handles that case).
-- Inside a transaction that ran fleet.expenses_cache_refresh(client_id, as_of) the rows come from
-- the cache (first branch); everywhere else from fleet.expenses (second branch). The branch not
-- taken is cut by a one-time filter and never scans.
drop function if exists fleet.expenses_by_vehicle_driver_month(text, date);
create function fleet.expenses_by_vehicle_driver_month(client_id text, as_of date)
returns table (
  gov_number text,
  driver text,
  month date,
  fuel numeric,
  repair numeric,
  insurance numeric,
  fines numeric,
  maintenance numeric,
  tire_service numeric,
  carwash numeric,
  parking numeric,
  flat_roads numeric,
  calculated_salary numeric,
  antifreeze_liquid numeric,
  engine_oil numeric,
  brake_fluid numeric,
  spark_plugs numeric,
  fuel_filters numeric,
  filters numeric,
  timing_belts numeric,
  brake_pads numeric,
  other_cost numeric,
  rental_expense numeric,
  amortization numeric,
  transport_tax numeric,
  casco numeric,
  fire_extinguishers numeric,
  first_aid_kits numeric,
  hydraulic_oil numeric,
  special_lubricants numeric,
  customs_fees numeric,
  cargo_insurance numeric,
  transloading_fees numeric,
  temp_control_maintenance numeric,
  sterilization_costs numeric,
  pharma_licenses numeric,
  bucket_parts numeric,
  daily_distance numeric,
  fuel_liters numeric,
  total_cost numeric,
  expense_rows bigint,
  day_mask int,
  driven_mask int,
  fine_mask int,
  zero_km_cost numeric,
  zero_km_fuel numeric
)
language sql stable parallel restricted
as $$
  select
    c.gov_number,
    c.driver,
    c.month,
    c.fuel,
    c.repair,
    c.insurance,
    c.fines,
    c.maintenance,
    c.tire_service,
    c.carwash,
    c.parking,
    c.flat_roads,
    c.calculated_salary,
    c.antifreeze_liquid,
    c.engine_oil,
    c.brake_fluid,
    c.spark_plugs,
    c.fuel_filters,
    c.filters,
    c.timing_belts,
    c.brake_pads,
    c.other_cost,
    c.rental_expense,
    c.amortization,
    c.transport_tax,
    c.casco,
    c.fire_extinguishers,
    c.first_aid_kits,
    c.hydraulic_oil,
    c.special_lubricants,
    c.customs_fees,
    c.cargo_insurance,
    c.transloading_fees,
    c.temp_control_maintenance,
    c.sterilization_costs,
    c.pharma_licenses,
    c.bucket_parts,
    c.daily_distance,
    c.fuel_liters,
    c.total_cost,
    c.expense_rows,
    c.day_mask,
    c.driven_mask,
    c.fine_mask,
    c.zero_km_cost,
    c.zero_km_fuel
  from fleet.expenses_cache_vehicle_driver_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select
    e.gov_number,
    e.driver,
    e.month,
    sum(e.fuel) as fuel,
    sum(e.repair) as repair,
    sum(e.insurance) as insurance,
    sum(e.fines) as fines,
    sum(e.maintenance) as maintenance,
    sum(e.tire_service) as tire_service,
    sum(e.carwash) as carwash,
    sum(e.parking) as parking,
    sum(e.flat_roads) as flat_roads,
    sum(e.calculated_salary) as calculated_salary,
    sum(e.antifreeze_liquid) as antifreeze_liquid,
    sum(e.engine_oil) as engine_oil,
    sum(e.brake_fluid) as brake_fluid,
    sum(e.spark_plugs) as spark_plugs,
    sum(e.fuel_filters) as fuel_filters,
    sum(e.filters) as filters,
    sum(e.timing_belts) as timing_belts,
    sum(e.brake_pads) as brake_pads,
    sum(e.other_cost) as other_cost,
    sum(e.rental_expense) as rental_expense,
    sum(e.amortization) as amortization,
    sum(e.transport_tax) as transport_tax,
    sum(e.casco) as casco,
    sum(e.fire_extinguishers) as fire_extinguishers,
    sum(e.first_aid_kits) as first_aid_kits,
    sum(e.hydraulic_oil) as hydraulic_oil,
    sum(e.special_lubricants) as special_lubricants,
    sum(e.customs_fees) as customs_fees,
    sum(e.cargo_insurance) as cargo_insurance,
    sum(e.transloading_fees) as transloading_fees,
    sum(e.temp_control_maintenance) as temp_control_maintenance,
    sum(e.sterilization_costs) as sterilization_costs,
    sum(e.pharma_licenses) as pharma_licenses,
    sum(e.bucket_parts) as bucket_parts,
    sum(e.daily_distance) as daily_distance,
    sum(e.fuel_liters) as fuel_liters,
    sum(e.total_cost) as total_cost,
    count(*) as expense_rows,
    bit_or(e.day_bit) as day_mask,
    coalesce(bit_or(e.day_bit) filter (where e.daily_distance > 0), 0) as driven_mask,
    coalesce(bit_or(e.day_bit) filter (where e.fines > 0), 0) as fine_mask,
    coalesce(sum(e.total_cost) filter (where e.daily_distance = 0), 0) as zero_km_cost,
    coalesce(sum(e.fuel) filter (where e.daily_distance = 0), 0) as zero_km_fuel
  from (
    select x.*, m.month, 1 << (x.date - m.month) as day_bit
    from fleet.expenses x
    -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
    cross join lateral (select date_trunc('month', x.date::timestamp)::date as month) m
    where x.client_id = $1 and x.date <= $2
  ) e
  where not fleet.expenses_cache_valid($1, $2, 'vehicle_driver_month')
  group by e.gov_number, e.driver, e.month
$$;
comment on function fleet.expenses_by_vehicle_driver_month(text, date) is 'Shared intermediate: one row per vehicle, driver and month up to as_of — every money category, km, litres, total, rows, day bit masks (days present, driven, with fines) and zero-km row sums. Cached per transaction by fleet.expenses_cache_refresh.';

-- Number of days in a day bit mask (bit d-1 = day d of the month).
create or replace function fleet.day_count(mask int)
returns int
language sql immutable parallel safe
as $$
  select coalesce(bit_count($1::bit(32))::int, 0)
$$;
comment on function fleet.day_count(int) is 'Number of set bits of a day mask of fleet.expenses_by_vehicle_driver_month (days of the month).';
