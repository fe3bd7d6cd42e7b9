-- seasonal_fines (ANALYSES.md #23): per year the fines of every month with expense rows
-- ("monthly_fines", "01"…"12"), the sums of the four quarters ("seasonal_sums", all four, 0 where
-- none) and the quarter with the most fines ("max_season"; the earliest on a tie, null when the
-- year has no fines). All of the client's fines, with or without a driver. Grain: calendar year.
create or replace function fleet.analysis_seasonal_fines(client_id text, as_of date)
returns json
language sql stable
set jit = off
as $$
  with months as (
    select m.year, m.mm, m.fines, (m.mm::int + 2) / 3 as quarter
    from fleet.expenses_by_month($1, $2) m
  ),
  quarters as (
    select y.year, q.quarter, coalesce(sum(m.fines), 0) as fines
    from (select distinct m.year from months m) y
    cross join generate_series(1, 4) q (quarter)
    left join months m on m.year = y.year and m.quarter = q.quarter
    group by y.year, q.quarter
  ),
  max_season as (
    select distinct on (q.year) q.year, case when q.fines <> 0 then q.quarter || ' квартал' end as season
    from quarters q
    order by q.year, q.fines desc, q.quarter
  ),
  by_year as (
    select
      y.year,
      json_build_object(
        'monthly_fines', (select json_object_agg(m.mm, round(m.fines, 2) order by m.mm) from months m where m.year = y.year),
        'seasonal_sums', (select json_object_agg(q.quarter || ' квартал', round(q.fines, 2) order by q.quarter) from quarters q where q.year = y.year),
        'max_season', ms.season
      ) as seasons
    from (select distinct m.year from months m) y
    join max_season ms using (year)
  )
  select coalesce(json_object_agg(b.year, b.seasons order by b.year), '{}'::json)
  from by_year b
$$;
comment on function fleet.analysis_seasonal_fines(text, date) is 'seasonal_fines: per year fines by month, by quarter, and the quarter with the most fines.';
