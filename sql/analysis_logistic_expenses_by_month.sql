-- logistic_expenses_by_month (ANALYSES.md #12, Логистика only): per year and month the sums of the industry's own
-- categories under the old system's keys: cargo_insurance, temp_control_maintenance, customs_fees, transloading_fees.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_logistic_expenses_by_month(client_id text, as_of date)
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
          'cargo_insurance', round(m.cargo_insurance, 2),
          'temp_control_maintenance', round(m.temp_control_maintenance, 2),
          'customs_fees', round(m.customs_fees, 2),
          'transloading_fees', round(m.transloading_fees, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_logistic_expenses_by_month(text, date) is 'logistic_expenses_by_month: per month the Логистика-specific categories (logistics).';
