-- fleet.expenses_by_month_category: fleet.expenses_by_month unpivoted — one row per month and money
-- category (fleet.expense_categories) with the month's sum, the category's sort order and whether
-- it counts as repair. For the analyses that treat categories generically (expenses_data,
-- expenses_with_market_avg, aggregated_expenses_by_month_year, repair_expenses_by_month_year), so
-- the category list lives here and in the expenses columns only. Grain: month × category.
drop function if exists fleet.expenses_by_month_category(text, date);
create function fleet.expenses_by_month_category(client_id text, as_of date)
returns table (
  month date,
  year text,
  mm text,
  category text,
  sort_order int,
  counts_as_repair boolean,
  amount numeric
)
language sql stable parallel restricted
as $$
  select m.month, m.year, m.mm, ec.category, ec.sort_order, ec.counts_as_repair, u.amount
  from fleet.expenses_by_month($1, $2) m
  cross join lateral (values
      ('fuel', m.fuel),
      ('repair', m.repair),
      ('insurance', m.insurance),
      ('fines', m.fines),
      ('maintenance', m.maintenance),
      ('tire_service', m.tire_service),
      ('carwash', m.carwash),
      ('parking', m.parking),
      ('flat_roads', m.flat_roads),
      ('calculated_salary', m.calculated_salary),
      ('antifreeze_liquid', m.antifreeze_liquid),
      ('engine_oil', m.engine_oil),
      ('brake_fluid', m.brake_fluid),
      ('spark_plugs', m.spark_plugs),
      ('fuel_filters', m.fuel_filters),
      ('filters', m.filters),
      ('timing_belts', m.timing_belts),
      ('brake_pads', m.brake_pads),
      ('other_cost', m.other_cost),
      ('rental_expense', m.rental_expense),
      ('amortization', m.amortization),
      ('transport_tax', m.transport_tax),
      ('casco', m.casco),
      ('fire_extinguishers', m.fire_extinguishers),
      ('first_aid_kits', m.first_aid_kits),
      ('hydraulic_oil', m.hydraulic_oil),
      ('special_lubricants', m.special_lubricants),
      ('customs_fees', m.customs_fees),
      ('cargo_insurance', m.cargo_insurance),
      ('transloading_fees', m.transloading_fees),
      ('temp_control_maintenance', m.temp_control_maintenance),
      ('sterilization_costs', m.sterilization_costs),
      ('pharma_licenses', m.pharma_licenses),
      ('bucket_parts', m.bucket_parts)
  ) u (category, amount)
  join fleet.expense_categories ec on ec.category = u.category
$$;
comment on function fleet.expenses_by_month_category(text, date) is 'Shared intermediate: fleet.expenses_by_month unpivoted to one row per month and money category (sum, sort order, counts_as_repair).';
