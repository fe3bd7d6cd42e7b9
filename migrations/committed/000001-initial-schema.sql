--! Previous: -
--! Hash: sha1:548d1b867d9b9ee38285816af4008ec45c303bb5
--! Message: initial schema

-- Schema fleet: the central store of every client's fleet data, loads, and analysis results.
-- Grain and keys are documented per table; every table is keyed by client_id first so the data can
-- be distributed by client (SPEC §7) without changing a query.
create schema if not exists fleet;
comment on schema fleet is 'fleetsight: fleet expense data, loads, analyses and findings, keyed by client_id.';

create table fleet.industries (
  code text primary key check (code ~ '^[a-z_]{2,32}$'),
  name_ru text not null unique,
  sort_order int not null default 0
);
comment on table fleet.industries is 'Industries a client can belong to: code (logistics…) and the Russian name the dashboard uses (Логистика…). Either form is accepted everywhere.';

insert into fleet.industries (code, name_ru, sort_order) values
  ('logistics', 'Логистика', 1), ('construction', 'Строительство', 2), ('pharma', 'Фармацевтика', 3),
  ('retail', 'Ритейл', 4), ('taxi', 'Такси', 5), ('delivery', 'Доставка', 6), ('buses', 'Автобусы', 7),
  ('carsharing', 'Каршеринг', 8), ('other', 'Другое', 9);

create table fleet.clients (
  client_id text primary key check (client_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text,
  industry text not null default 'other' references fleet.industries (code),
  year_budget numeric(16,2) check (year_budget is null or year_budget >= 0),
  source_url text,
  source_vehicles_table text not null default 'transport_park',
  source_expenses_table text not null default 'transport_daily_expenses',
  data_version bigint not null default 0,
  analyzed_version bigint,
  analyzed_analyses_version int,
  analyzed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table fleet.clients is 'One row per client (company). data_version is bumped by every change that should trigger re-analysis; analyzed_version records the version the latest analysis saw.';
comment on column fleet.clients.source_url is 'Connection URL of the client''s own database (a secret: never logged, never readable by the dashboard role).';
comment on column fleet.clients.data_version is 'Bumped by loads that change data and by budget/industry changes; the sweep analyses clients whose data_version differs from analyzed_version.';

create table fleet.fields (
  field text primary key,
  table_kind text not null check (table_kind in ('expenses', 'vehicles', 'both')),
  type text not null check (type in ('text', 'date', 'numeric', 'money', 'boolean', 'integer')),
  kind text not null,
  counts_as_repair boolean not null default false,
  industries text[] not null default '{}',
  label_ru text not null,
  notes text
);
comment on table fleet.fields is 'Canonical fields (reference/fields.csv): the column names of fleet.expenses / fleet.vehicles and the keys of the JSON contract.';

create table fleet.expense_categories (
  category text primary key references fleet.fields (field),
  kind text not null,
  counts_as_repair boolean not null default false,
  industries text[] not null default '{}',
  label_ru text not null,
  sort_order int not null
);
comment on table fleet.expense_categories is 'Money categories of fleet.expenses (the money fields of reference/fields.csv); total_cost is their sum. counts_as_repair drives repair_expenses_by_month_year.';

create table fleet.column_synonyms (
  synonym text not null,
  field text not null references fleet.fields (field),
  table_kind text check (table_kind in ('expenses', 'vehicles')),
  primary key (synonym, field)
);
comment on table fleet.column_synonyms is 'Header spellings seen in client files and the canonical field each means; table_kind null = same meaning in both tables. Matching normalises both sides (trim, lower case, ё→е, separators).';

create table fleet.client_column_map (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  header text not null,
  field text not null references fleet.fields (field),
  primary key (client_id, header)
);
comment on table fleet.client_column_map is 'Per-client header overrides for headers nobody else uses (fleetsight map <client> "<header>" <field>).';

create table fleet.market_averages (
  industry text not null references fleet.industries (code),
  category text not null,
  avg_per_vehicle_day_rub numeric not null,
  primary key (industry, category)
);
comment on table fleet.market_averages is 'Industry market averages per vehicle per day (rubles per money category; kilometres for daily_distance). The market total is the sum of money categories, not the old __all_expenses__ row.';

create table fleet.analysis_types (
  analysis_type text primary key,
  engine text not null check (engine in ('sql', 'ts')),
  fn regprocedure,
  sort_order int not null,
  description text not null,
  check ((engine = 'sql') = (fn is not null))
);
comment on table fleet.analysis_types is 'Every analysis the pipeline can write to fraud_json: SQL ones name their function (a validated regprocedure, never a name built from input); TS ones are computed by the analyze task.';

create table fleet.analyses (
  industry text not null references fleet.industries (code),
  analysis_type text not null references fleet.analysis_types (analysis_type),
  primary key (industry, analysis_type)
);
comment on table fleet.analyses is 'The industry matrix: which analysis types run for which industry. Data, not code.';

create table fleet.meta (
  key text primary key,
  value text not null
);
comment on table fleet.meta is 'Pipeline-wide settings such as analyses_version (bumped when an analysis definition changes so every client is re-analysed).';
insert into fleet.meta (key, value) values ('analyses_version', '1');

create table fleet.loads (
  load_id bigint generated always as identity primary key,
  client_id text not null references fleet.clients (client_id) on delete cascade,
  source_kind text not null check (source_kind in ('file', 'database')),
  source_name text not null,
  status text not null default 'running' check (status in ('running', 'ok', 'partial', 'failed', 'refused')),
  rows_read bigint not null default 0,
  rows_loaded bigint not null default 0,
  rows_duplicate bigint not null default 0,
  rows_rejected bigint not null default 0,
  unknown_columns jsonb not null default '[]',
  error text,
  content_sha256 text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  report jsonb not null default '{}'
);
create index on fleet.loads (client_id, started_at desc);
comment on table fleet.loads is 'One row per loaded source (file, sheet set, or client database): status, counts with read = loaded + duplicate + rejected, error, and the full report.';

create table fleet.load_rejects (
  load_id bigint not null references fleet.loads (load_id) on delete cascade,
  client_id text not null,
  table_name text not null,
  row_number bigint not null,
  reason text not null,
  raw jsonb not null,
  primary key (load_id, table_name, row_number)
);
comment on table fleet.load_rejects is 'Every rejected source row: its row number as a person counts it in Excel, the raw values, and a reason a person can act on.';

create table fleet.vehicles (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  gov_number text not null,
  driver text,
  vehicle_type text,
  industry text,
  trailer boolean,
  is_rental boolean,
  release_year int,
  mileage numeric,
  last_repair_date date,
  fuel_consumption numeric,
  tank_capacity_l numeric,
  rental_cost numeric(14,2),
  purchase_price numeric(14,2),
  has_casco boolean,
  start_date date,
  extra jsonb,
  load_id bigint,
  updated_at timestamptz not null default now(),
  primary key (client_id, gov_number)
);
comment on table fleet.vehicles is 'One row per client vehicle (the old transport table); gov_number normalised (upper case, Cyrillic look-alikes).';

create table fleet.expenses (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  gov_number text not null,
  date date not null,
  driver text not null default '',
  vehicle_type text,
  industry text,
  daily_distance numeric(10,2) not null default 0 check (daily_distance >= 0),
  fuel_liters numeric(12,3) check (fuel_liters >= 0),
  odometer_km numeric(12,1),
  trailer boolean,
  is_rental boolean,
  fuel numeric(14,2) not null default 0,
  repair numeric(14,2) not null default 0,
  insurance numeric(14,2) not null default 0,
  fines numeric(14,2) not null default 0,
  maintenance numeric(14,2) not null default 0,
  tire_service numeric(14,2) not null default 0,
  carwash numeric(14,2) not null default 0,
  parking numeric(14,2) not null default 0,
  flat_roads numeric(14,2) not null default 0,
  calculated_salary numeric(14,2) not null default 0,
  antifreeze_liquid numeric(14,2) not null default 0,
  engine_oil numeric(14,2) not null default 0,
  brake_fluid numeric(14,2) not null default 0,
  spark_plugs numeric(14,2) not null default 0,
  fuel_filters numeric(14,2) not null default 0,
  filters numeric(14,2) not null default 0,
  timing_belts numeric(14,2) not null default 0,
  brake_pads numeric(14,2) not null default 0,
  other_cost numeric(14,2) not null default 0,
  rental_expense numeric(14,2) not null default 0,
  amortization numeric(14,2) not null default 0,
  transport_tax numeric(14,2) not null default 0,
  casco numeric(14,2) not null default 0,
  fire_extinguishers numeric(14,2) not null default 0,
  first_aid_kits numeric(14,2) not null default 0,
  hydraulic_oil numeric(14,2) not null default 0,
  special_lubricants numeric(14,2) not null default 0,
  customs_fees numeric(14,2) not null default 0,
  cargo_insurance numeric(14,2) not null default 0,
  transloading_fees numeric(14,2) not null default 0,
  temp_control_maintenance numeric(14,2) not null default 0,
  sterilization_costs numeric(14,2) not null default 0,
  pharma_licenses numeric(14,2) not null default 0,
  bucket_parts numeric(14,2) not null default 0,
  total_cost numeric(16,2) generated always as (
    fuel
    + repair
    + insurance
    + fines
    + maintenance
    + tire_service
    + carwash
    + parking
    + flat_roads
    + calculated_salary
    + antifreeze_liquid
    + engine_oil
    + brake_fluid
    + spark_plugs
    + fuel_filters
    + filters
    + timing_belts
    + brake_pads
    + other_cost
    + rental_expense
    + amortization
    + transport_tax
    + casco
    + fire_extinguishers
    + first_aid_kits
    + hydraulic_oil
    + special_lubricants
    + customs_fees
    + cargo_insurance
    + transloading_fees
    + temp_control_maintenance
    + sterilization_costs
    + pharma_licenses
    + bucket_parts) stored,
  extra jsonb,
  load_id bigint,
  primary key (client_id, gov_number, date, driver)
);
create index expenses_client_date on fleet.expenses (client_id, date);
comment on table fleet.expenses is 'One row per client, vehicle, day and driver (driver '''' when unknown): every money category in rubles, daily_distance in km, fuel_liters, and extra (source columns we do not know). total_cost = sum of the money categories.';
comment on column fleet.expenses.fuel is 'Fuel in rubles (never litres: litres go to fuel_liters).';

create table fleet.fraud_json (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  analysis_type text not null,
  result_json json not null,
  created_at timestamptz not null default now(),
  primary key (client_id, analysis_type)
);
comment on table fleet.fraud_json is 'Dashboard contract: one row per client per analysis type; result_json is json (not jsonb) because key order is part of the contract.';

create table fleet.anomalies (
  anomaly_id bigint generated always as identity primary key,
  client_id text not null references fleet.clients (client_id) on delete cascade,
  rule text not null,
  subject_kind text not null check (subject_kind in ('vehicle', 'driver', 'client')),
  subject text not null,
  period_start date,
  period_end date,
  observed numeric,
  expected numeric,
  severity text not null check (severity in ('low', 'medium', 'high')),
  rub_at_stake numeric(14,2) not null default 0,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index on fleet.anomalies (client_id, rule);
comment on table fleet.anomalies is 'One row per finding (per vehicle-month, driver-month, …) with rubles at stake; rebuilt for a client by every analysis.';

--! Included industry_code.sql
-- fleet.industry_code: the industry code for either form of its name ('logistics' or 'Логистика').
create or replace function fleet.industry_code(name text)
returns text
language sql stable
as $$
  select i.code
  from fleet.industries i
  where lower(btrim($1)) in (i.code, lower(i.name_ru))
$$;
comment on function fleet.industry_code(text) is 'Industry code for a code or a Russian industry name (case-insensitive); null when unknown.';
--! EndIncluded industry_code.sql
--! Included add_job.sql
-- fleet.add_job: the dashboard's one entry point to the queue. Job key <task>:<client_id> makes a
-- second call while the first job is pending a no-op (graphile-worker replaces the pending job).
create or replace function fleet.add_job(task text, client_id text)
returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job_id bigint;
begin
  if task is null or task not in ('load', 'analyze') then
    raise exception 'fleet.add_job: unknown task %, expected ''load'' or ''analyze''', coalesce(quote_literal(task), 'NULL')
      using errcode = '22023';
  end if;
  if client_id is null or client_id !~ '^[A-Za-z0-9_-]{1,64}$' then
    raise exception 'fleet.add_job: malformed client id % (allowed: 1-64 characters A-Z a-z 0-9 _ -)', coalesce(quote_literal(left(client_id, 80)), 'NULL')
      using errcode = '22023';
  end if;
  if not exists (select 1 from fleet.clients c where c.client_id = add_job.client_id) then
    raise exception 'fleet.add_job: unknown client %', quote_literal(client_id)
      using errcode = '22023', hint = 'create it first: fleetsight client add, or insert into fleet.clients';
  end if;
  select (graphile_worker.add_job(
    task,
    json_build_object('client_id', client_id),
    job_key => task || ':' || client_id,
    max_attempts => 10
  )).id into v_job_id;
  return v_job_id;
end;
$$;
comment on function fleet.add_job(text, text) is 'Enqueue load or analyze for a client (job key <task>:<client_id>, so repeated calls while pending leave one job). Rejects unknown tasks, malformed or unknown client ids.';
--! EndIncluded add_job.sql
--! Included clients_triggers.sql
-- Triggers on fleet.clients: budget/industry changes mark the client for re-analysis
-- (data_version bump); setting or changing source_url enqueues a load in the same transaction.
create or replace function fleet.clients_before_update()
returns trigger
language plpgsql
as $$
begin
  if new.year_budget is distinct from old.year_budget or new.industry is distinct from old.industry then
    new.data_version := old.data_version + 1;
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function fleet.clients_before_update() is 'Trigger: bump data_version when budget or industry change, so the sweep re-analyses the client.';

create or replace function fleet.clients_after_source_change()
returns trigger
language plpgsql
as $$
begin
  if new.source_url is not null and (tg_op = 'INSERT' or new.source_url is distinct from old.source_url) then
    perform fleet.add_job('load', new.client_id);
  end if;
  return null;
end;
$$;
comment on function fleet.clients_after_source_change() is 'Trigger: enqueue load for a client whose source_url was set or changed (same transaction).';

drop trigger if exists clients_before_update on fleet.clients;
create trigger clients_before_update before update on fleet.clients
  for each row execute function fleet.clients_before_update();
drop trigger if exists clients_after_source_change on fleet.clients;
create trigger clients_after_source_change after insert or update of source_url on fleet.clients
  for each row execute function fleet.clients_after_source_change();
--! EndIncluded clients_triggers.sql
--! Included sweep.sql
-- fleet.clients_to_analyze / fleet.sweep: which clients need analysis and enqueue them. A client
-- needs it when its data/budget/industry changed (data_version), the analyses changed
-- (meta.analyses_version), or it was last analysed before today (results depend on the date).
create or replace function fleet.clients_to_analyze(as_of date default current_date)
returns setof text
language sql stable
as $$
  select c.client_id
  from fleet.clients c
  where c.analyzed_version is distinct from c.data_version
     or c.analyzed_analyses_version is distinct from (select m.value::int from fleet.meta m where m.key = 'analyses_version')
     or c.analyzed_at is null
     or (c.analyzed_at at time zone 'UTC')::date < as_of
  order by c.client_id
$$;
comment on function fleet.clients_to_analyze(date) is 'Clients whose data, budget, industry or analyses version changed since their last analysis, or not analysed today.';

create or replace function fleet.sweep(as_of date default current_date)
returns int
language plpgsql volatile
as $$
declare
  v_count int := 0;
  v_client text;
begin
  for v_client in select fleet.clients_to_analyze(as_of) loop
    perform fleet.add_job('analyze', v_client);
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function fleet.sweep(date) is 'Enqueue analyze (job key analyze:<client>) for every client returned by clients_to_analyze; returns how many.';
--! EndIncluded sweep.sql
--! Included expenses_by_month.sql
-- fleet.expenses_by_month: one row per month of a client's expenses up to as_of, with the sum of
-- every money category, kilometres, total and counts. The shared monthly intermediate: analyses
-- read categories generically with to_jsonb(row) -> category so no analysis repeats this list.
-- Inlined by the planner (plain SQL, stable), so client_id and as_of reach the index scan.
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
  expense_rows bigint,
  vehicle_days bigint
)
language sql stable parallel safe
as $$
  select
    date_trunc('month', e.date)::date as month,
    to_char(date_trunc('month', e.date), 'YYYY') as year,
    to_char(date_trunc('month', e.date), 'MM') as mm,
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
    count(distinct (e.gov_number, e.date)) as vehicle_days
  from fleet.expenses e
  where e.client_id = $1 and e.date <= $2
  group by 1, 2, 3
$$;
comment on function fleet.expenses_by_month(text, date) is 'Shared intermediate: one row per month of the client''s expenses up to as_of — every money category summed, km, litres, total, rows, vehicle-days.';
--! EndIncluded expenses_by_month.sql
--! Included analysis_expenses_data.sql
-- expenses_data (ANALYSES.md #2): per year, all spending, its ratio to the annual plan, and each
-- money category's share of the year's spending (categories with non-zero spend; shares sum to 1).
-- Grain: one key per calendar year with expense rows up to as_of.
create or replace function fleet.analysis_expenses_data(client_id text, as_of date)
returns json
language sql stable
as $$
  with months as (
    select * from fleet.expenses_by_month($1, $2)
  ),
  budget as (
    select nullif(c.year_budget, 0) as year_budget
    from fleet.clients c
    where c.client_id = $1
  ),
  category_year as (
    select m.year, ec.category, ec.sort_order, sum((to_jsonb(m) ->> ec.category)::numeric) as amount
    from months m
    cross join fleet.expense_categories ec
    group by m.year, ec.category, ec.sort_order
  ),
  years as (
    select cy.year, sum(cy.amount) as all_expenses
    from category_year cy
    group by cy.year
  ),
  structure as (
    select
      cy.year,
      json_object_agg(cy.category, (cy.amount / y.all_expenses)::float8 order by cy.amount desc, cy.sort_order) as expenses_structure
    from category_year cy
    join years y using (year)
    where cy.amount <> 0 and y.all_expenses <> 0
    group by cy.year
  )
  select coalesce(
    json_object_agg(
      y.year,
      json_build_object(
        'all_expenses', round(y.all_expenses, 2),
        'expenses_related_plan', (y.all_expenses / (select b.year_budget from budget b))::float8,
        'expenses_structure', coalesce(s.expenses_structure, '{}'::json)
      )
      order by y.year
    ),
    '{}'::json
  )
  from years y
  left join structure s using (year)
$$;
comment on function fleet.analysis_expenses_data(text, date) is 'expenses_data: per year all_expenses, expenses_related_plan (null without a budget) and expenses_structure (category shares, desc).';
--! EndIncluded analysis_expenses_data.sql
--! Included analysis_fuel_km_per_month.sql
-- fuel_km_per_month (ANALYSES.md #11): per year and month, fuel rubles, kilometres and rubles per
-- kilometre (null when no kilometres). Grain: one key per month with expense rows up to as_of.
create or replace function fleet.analysis_fuel_km_per_month(client_id text, as_of date)
returns json
language sql stable
as $$
  with months as (
    select m.year, m.mm, m.fuel, m.daily_distance
    from fleet.expenses_by_month($1, $2) m
  ),
  by_year as (
    select
      m.year,
      json_object_agg(
        m.mm,
        json_build_object(
          'fuel_in_month', round(m.fuel, 2),
          'distance_in_month', round(m.daily_distance, 2),
          'fuel_effectiveness_in_month', (m.fuel / nullif(m.daily_distance, 0))::float8
        )
        order by m.mm
      ) as months
    from months m
    group by m.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_fuel_km_per_month(text, date) is 'fuel_km_per_month: per month fuel rubles, km and rubles per km (null without km).';
--! EndIncluded analysis_fuel_km_per_month.sql
--! Included analysis_aggregated_expenses_by_month_year.sql
-- aggregated_expenses_by_month_year (ANALYSES.md #17): per year and month, the sum of every money
-- category present in the client's data (a category is present when any row up to as_of has a
-- non-zero amount in it). Grain: one key per month with expense rows.
create or replace function fleet.analysis_aggregated_expenses_by_month_year(client_id text, as_of date)
returns json
language sql stable
as $$
  with months as (
    select * from fleet.expenses_by_month($1, $2)
  ),
  month_category as (
    select m.year, m.mm, ec.category, ec.sort_order, (to_jsonb(m) ->> ec.category)::numeric as amount
    from months m
    cross join fleet.expense_categories ec
  ),
  present_categories as (
    select mc.category
    from month_category mc
    group by mc.category
    having bool_or(mc.amount <> 0)
  ),
  by_month as (
    select mc.year, mc.mm, json_object_agg(mc.category, round(mc.amount, 2) order by mc.sort_order) as categories
    from month_category mc
    join present_categories pc using (category)
    group by mc.year, mc.mm
  ),
  by_year as (
    select bm.year, json_object_agg(bm.mm, bm.categories order by bm.mm) as months
    from by_month bm
    group by bm.year
  )
  select coalesce(json_object_agg(y.year, y.months order by y.year), '{}'::json)
  from by_year y
$$;
comment on function fleet.analysis_aggregated_expenses_by_month_year(text, date) is 'aggregated_expenses_by_month_year: per month the sum of every money category present in the client''s data.';
--! EndIncluded analysis_aggregated_expenses_by_month_year.sql
--! Included analysis_registry.sql
-- The analysis registry and the industry matrix, as data. analysis_types names each SQL analysis's
-- function as a regprocedure (validated at migration time); fleet.analyses says which industries
-- get which analysis. Rebuilt whole by every migration that includes this file.
insert into fleet.analysis_types (analysis_type, engine, fn, sort_order, description) values
  ('expenses_data', 'sql', 'fleet.analysis_expenses_data(text,date)', 2, 'Spending per year vs the annual plan, category shares'),
  ('fuel_km_per_month', 'sql', 'fleet.analysis_fuel_km_per_month(text,date)', 11, 'Fuel rubles, km and rubles per km per month'),
  ('aggregated_expenses_by_month_year', 'sql', 'fleet.analysis_aggregated_expenses_by_month_year(text,date)', 17, 'Every money category per month')
on conflict (analysis_type) do update
  set engine = excluded.engine, fn = excluded.fn, sort_order = excluded.sort_order, description = excluded.description;

-- industries = null: every industry; otherwise the listed codes only. except = industries left out.
with matrix (analysis_type, industries, except_industries) as (
  values
    ('expenses_data', null::text[], null::text[]),
    ('fuel_km_per_month', null, null),
    ('aggregated_expenses_by_month_year', null, null)
),
wanted as (
  select i.code as industry, m.analysis_type
  from matrix m
  join fleet.industries i
    on (m.industries is null or i.code = any (m.industries))
   and not (i.code = any (coalesce(m.except_industries, '{}')))
),
removed as (
  delete from fleet.analyses a
  where not exists (select 1 from wanted w where w.industry = a.industry and w.analysis_type = a.analysis_type)
)
insert into fleet.analyses (industry, analysis_type)
select w.industry, w.analysis_type from wanted w
on conflict do nothing;
--! EndIncluded analysis_registry.sql
