-- fleet.expenses_by_month: one row per month of a client's expenses up to as_of, with the sum of
-- every money category, kilometres, litres, total and the number of rows. The shared monthly fact;
-- analyses that treat categories generically read it unpivoted (fleet.expenses_by_month_category).
-- Vehicle-days need day-level distinctness: see fleet.expenses_by_vehicle_month. Read from the
-- trigger-maintained roll-up fleet.client_months (sql/expense_rollups.sql holds its one definition;
-- sql/expenses_cache.sql the as_of month).
drop function if exists fleet.expenses_month_from_rows(text, date);
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
comment on function fleet.expenses_by_month(text, date) is 'Shared intermediate: one row per month up to as_of with every money category, km, litres, total and rows. From the roll-up fleet.client_months.';
