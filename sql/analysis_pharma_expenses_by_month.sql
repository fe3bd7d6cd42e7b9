-- pharma_expenses_by_month (ANALYSES.md #13, Фармацевтика only): per year and month the sums of the industry's own
-- categories under the old system's keys: sterialization_cost (sterilization_costs),
-- pharma_licenses_cost (pharma_licenses), temperature_control_maintance (temp_control_maintenance)
-- — the misspelt keys are the dashboard's contract.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_pharma_expenses_by_month(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'sterialization_cost', round(m.sterilization_costs, 2),
          'pharma_licenses_cost', round(m.pharma_licenses, 2),
          'temperature_control_maintance', round(m.temp_control_maintenance, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_pharma_expenses_by_month(text, date) is 'pharma_expenses_by_month: per month the Фармацевтика-specific categories (pharma; the misspelt keys are the contract).';
