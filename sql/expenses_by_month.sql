-- fleet.expenses_by_month: one row per month of a client's expenses up to as_of, with the sum of
-- every money category, kilometres, litres, total and the number of rows. The shared monthly fact;
-- analyses that treat categories generically read it unpivoted (fleet.expenses_by_month_category).
-- Vehicle-days need day-level distinctness: see fleet.expenses_by_vehicle_month.
-- fleet.expenses_month_from_rows reads it from the trigger-maintained roll-up fleet.client_months
-- (sql/expense_rollups.sql: the one definition);
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
language sql stable
as $$
  select
    r.month,
    to_char(r.month, 'YYYY') as year,
    to_char(r.month, 'MM') as mm,
    r.fuel,
    r.repair,
    r.insurance,
    r.fines,
    r.maintenance,
    r.tire_service,
    r.carwash,
    r.parking,
    r.flat_roads,
    r.calculated_salary,
    r.antifreeze_liquid,
    r.engine_oil,
    r.brake_fluid,
    r.spark_plugs,
    r.fuel_filters,
    r.filters,
    r.timing_belts,
    r.brake_pads,
    r.other_cost,
    r.rental_expense,
    r.amortization,
    r.transport_tax,
    r.casco,
    r.fire_extinguishers,
    r.first_aid_kits,
    r.hydraulic_oil,
    r.special_lubricants,
    r.customs_fees,
    r.cargo_insurance,
    r.transloading_fees,
    r.temp_control_maintenance,
    r.sterilization_costs,
    r.pharma_licenses,
    r.bucket_parts,
    r.daily_distance,
    r.fuel_liters,
    r.total_cost,
    r.expense_rows
  from fleet.client_months_upto($1, $2) r
$$;
comment on function fleet.expenses_month_from_rows(text, date) is 'fleet.expenses_by_month from the roll-up fleet.client_months (no per-transaction cache).';

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
