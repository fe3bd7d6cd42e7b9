-- building_expenses_by_month (ANALYSES.md #14, Строительство only): per year and month the sums of the industry's own
-- categories under the old system's keys: bucket_parts, special_lubricants.
-- Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_building_expenses_by_month(client_id text, as_of date)
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
          'bucket_parts', round(m.bucket_parts, 2),
          'special_lubricants', round(m.special_lubricants, 2)
        )
        order by m.mm
      ) as months
    from fleet.expenses_by_month($1, $2) m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_building_expenses_by_month(text, date) is 'building_expenses_by_month: per month the Строительство-specific categories (construction).';
