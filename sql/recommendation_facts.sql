-- fleet.recommendation_facts: the aggregates behind the recommendations (ANALYSES.md #9) and
-- recommendations_detail, as one json document; the ranking and the Russian texts are assembled in
-- TypeScript (src/recommend/). Reads only the shared intermediates (fleet.expenses_by_month,
-- fleet.expenses_by_vehicle_month, fleet.expenses_by_driver_month), so inside an analyze run it
-- costs no extra scan of fleet.expenses.
-- Shape:
--   {"year": "2024" | null,        -- the latest year whose December has data, else the latest year
--    "year_complete": true|false,  -- whether that year's December has data
--    "year_total": x,              -- all money of that year
--    "year_budget": x | null,      -- the client's annual plan (null when unset)
--    "total": x,                   -- all money up to as_of
--    "vehicles": [{"id", "km", "fuel", "maintenance", "downtime_cost", "total"}, …]  -- by id (bytes)
--    "drivers":  [{"id", "km", "fuel", "fines", "fine_days"}, …]}                   -- by id (bytes)
-- Grain: one document per client; vehicles = distinct gov_number, drivers = distinct non-empty
-- driver, all-time figures up to as_of. downtime_cost = total cost on vehicle-days without
-- kilometres; fine_days = distinct days with fines. Empty client: year null, empty arrays.
-- Plain SQL (not plpgsql): the planner inlines the intermediates with the actual client and date,
-- which inside an analyze run reads the transaction's cache (10× faster at 1M rows than plpgsql).
-- Speed (1M rows: 33k vehicle-months, 38k driver-months): jit off — the planner costs the
-- intermediates' uncached branch (a scan of every expense row) and would JIT-compile ~100
-- functions (~100 ms more than the whole query) for what reads a few thousand cached rows; the
-- vehicles and drivers are grouped by their names in byte order (collate "C": only equality
-- matters, TypeScript orders them itself), by hashing: enable_sort off because the planner, which
-- cannot know the cached intermediate's row count, would otherwise sort 33k vehicle-months by name
-- to group them.
create or replace function fleet.recommendation_facts(client_id text, as_of date)
returns json
language sql stable
set jit = off
set work_mem = '64MB'
set enable_sort = off
as $$
    with months as (
      select m.year, m.mm, m.total_cost
      from fleet.expenses_by_month($1, $2) m
    ),
    chosen as (
      select coalesce(max(m.year) filter (where m.mm = '12'), max(m.year)) as year,
             max(m.year) filter (where m.mm = '12') is not null as complete
      from months m
    ),
    vehicles as (
      select
        v.gov_number collate "C" as id,
        sum(v.daily_distance) as km,
        sum(v.fuel) as fuel,
        sum(v.maintenance) as maintenance,
        sum(v.zero_km_cost) as downtime_cost,
        sum(v.total_cost) as total
      from fleet.expenses_by_vehicle_month($1, $2) v
      group by 1
    ),
    drivers as (
      select
        d.driver collate "C" as id,
        sum(d.daily_distance) as km,
        sum(d.fuel) as fuel,
        sum(d.fines) as fines,
        sum(d.fine_days)::int as fine_days
      from fleet.expenses_by_driver_month($1, $2) d
      group by 1
    )
    select json_build_object(
      'year', c.year,
      'year_complete', c.complete,
      'year_total', coalesce((select sum(m.total_cost) from months m where m.year = c.year), 0),
      'year_budget', (select cl.year_budget from fleet.clients cl where cl.client_id = $1),
      'total', coalesce((select sum(m.total_cost) from months m), 0),
      'vehicles', coalesce((
        select json_agg(json_build_object(
          'id', v.id, 'km', v.km, 'fuel', v.fuel, 'maintenance', v.maintenance,
          'downtime_cost', v.downtime_cost, 'total', v.total) order by v.id)
        from vehicles v), '[]'::json),
      'drivers', coalesce((
        select json_agg(json_build_object(
          'id', d.id, 'km', d.km, 'fuel', d.fuel, 'fines', d.fines, 'fine_days', d.fine_days) order by d.id)
        from drivers d), '[]'::json)
    )
    from chosen c
$$;
comment on function fleet.recommendation_facts(text, date) is 'The aggregates of recommendations / recommendations_detail as json: the budget year (latest with December data) and its total, per-vehicle km, fuel, maintenance, downtime cost, per-driver km, fuel, fines, fine days (all time up to as_of).';
