-- fleet.expenses_by_month: one row per month of a client's expenses up to as_of, with the sum of
-- every money category, kilometres, litres, total and the number of rows. The shared monthly fact;
-- analyses that treat categories generically read it unpivoted (fleet.expenses_by_month_category).
-- Vehicle-days need day-level distinctness: see fleet.expenses_by_vehicle_month.
-- fleet.expenses_month_from_rows computes it from fleet.expenses (the one definition);
-- fleet.expenses_by_month returns the per-transaction cached copy when fleet.expenses_cache_refresh
-- made one in this transaction (first branch), else computes it (second branch); the branch not
-- taken is cut by a one-time filter. Both inline into the calling query (plain SQL, stable), so
-- client_id and as_of reach the index scan.
drop function if exists fleet.expenses_month_from_rows(text, date);
create function fleet.expenses_month_from_rows(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
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
  expense_rows bigint
)
language sql stable parallel safe
as $$
  select
    e.month,
    to_char(e.month, 'YYYY') as year,
    to_char(e.month, 'MM') as mm,
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
    count(*) as expense_rows
  from (
    -- timestamp without time zone: date_trunc on timestamptz would pay a time zone lookup per row
    select date_trunc('month', x.date::timestamp)::date as month, x.*
    from fleet.expenses x
    where x.client_id = $1 and x.date <= $2
  ) e
  group by e.month
$$;
comment on function fleet.expenses_month_from_rows(text, date) is 'fleet.expenses_by_month computed from fleet.expenses (no cache).';

drop function if exists fleet.expenses_by_month(text, date);
create function fleet.expenses_by_month(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
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
  expense_rows bigint
)
language sql stable parallel restricted
as $$
  select
    c.month,
    c.year,
    c.mm,
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
    c.expense_rows
  from fleet.expenses_cache_month c
  where c.client_id = $1 and c.as_of = $2 and c.xid = fleet.expenses_cache_xid()
  union all
  select m.*
  from fleet.expenses_month_from_rows($1, $2) m
  where not fleet.expenses_cache_valid($1, $2, 'month')
$$;
comment on function fleet.expenses_by_month(text, date) is 'Shared intermediate: one row per month of the client''s expenses up to as_of — every money category summed, km, litres, total, rows. Cached per transaction by fleet.expenses_cache_refresh.';
