-- Access control for the dashboard: the role fleet_dashboard (nologin; grant it to the dashboard's
-- login role, or `set role fleet_dashboard`) reads only the rows of the client named in its
-- session (`set fleet.client_id = 'c_123'`), through row-level security on the result tables and
-- through views/functions that filter by that setting. It has no privilege on fleet.clients, so it
-- can never read source_url (the client's database password). The pipeline (table owner) is
-- unaffected by RLS; a non-owner pipeline role is covered by the fleet_pipeline_all policies.
do $$
begin
  if not exists (select from pg_roles where rolname = 'fleet_dashboard') then
    create role fleet_dashboard nologin;
  end if;
end
$$;
comment on role fleet_dashboard is 'fleetsight dashboard: reads fraud_json, anomalies, loads of the client in current_setting(''fleet.client_id''); can call fleet.add_job; never sees source_url.';

-- fleet.dashboard_client_id: the client of this session, null when unset or empty.
create or replace function fleet.dashboard_client_id()
returns text
language sql stable
as $$
  select nullif(current_setting('fleet.client_id', true), '')
$$;
comment on function fleet.dashboard_client_id() is 'The client id set in this session (set fleet.client_id = ''c_123''), or null; every dashboard policy and view filters on it.';

grant usage on schema fleet to fleet_dashboard;
grant execute on function fleet.dashboard_client_id() to fleet_dashboard;
grant execute on function fleet.add_job(text, text) to fleet_dashboard;
grant execute on function fleet.industry_code(text) to fleet_dashboard;
grant select on fleet.industries to fleet_dashboard;
-- Never any privilege on fleet.clients (source_url); revoke in case someone granted it by hand.
revoke all on fleet.clients from fleet_dashboard;

-- Row-level security on the per-client tables the dashboard reads. Policies for fleet_dashboard (and
-- its members) see one client; every other non-owner role keeps full access (fleet_pipeline_all).
do $$
declare
  t text;
begin
  foreach t in array array['fraud_json', 'anomalies', 'loads', 'load_rejects'] loop
    execute format('alter table fleet.%I enable row level security', t);
    execute format('grant select on fleet.%I to fleet_dashboard', t);
    execute format('drop policy if exists fleet_dashboard_own_client on fleet.%I', t);
    execute format('create policy fleet_dashboard_own_client on fleet.%I for select to fleet_dashboard using (client_id = fleet.dashboard_client_id())', t);
    execute format('drop policy if exists fleet_pipeline_all on fleet.%I', t);
    execute format($p$create policy fleet_pipeline_all on fleet.%I for all to public
                      using (not pg_has_role(current_user, 'fleet_dashboard', 'member'))
                      with check (not pg_has_role(current_user, 'fleet_dashboard', 'member'))$p$, t);
  end loop;
end
$$;

-- fleet.my_client: the session's client without source_url (only whether a database is linked).
create or replace view fleet.my_client with (security_barrier) as
select c.client_id, c.name, c.industry, i.name_ru as industry_ru, c.year_budget,
       (c.source_url is not null) as database_linked,
       c.source_vehicles_table, c.source_expenses_table,
       c.data_version, c.analyzed_version, c.analyzed_at, c.created_at, c.updated_at
from fleet.clients c
join fleet.industries i on i.code = c.industry
where c.client_id = fleet.dashboard_client_id();
comment on view fleet.my_client is 'The client of this session (fleet.client_id): everything but source_url. For the dashboard role.';
grant select on fleet.my_client to fleet_dashboard;

-- Status of the session's client from the status views (fleet.client_status, fleet.latest_loads).
-- Dynamic SQL on purpose: no dependency on those views, so they can be dropped and recreated freely,
-- and these functions work whether or not the views exist yet (null / no rows when they do not).
create or replace function fleet.my_status()
returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
  v_result jsonb;
begin
  if v_client is null or to_regclass('fleet.client_status') is null then
    return null;
  end if;
  execute 'select to_jsonb(s) - ''source_url'' from fleet.client_status s where s.client_id = $1'
    into v_result using v_client;
  return v_result;
end;
$$;
comment on function fleet.my_status() is 'The fleet.client_status row of the session''s client (set fleet.client_id) as jsonb; null when none. For the dashboard role.';

create or replace function fleet.my_latest_loads()
returns setof jsonb
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
begin
  if v_client is null or to_regclass('fleet.latest_loads') is null then
    return;
  end if;
  return query execute 'select to_jsonb(l) from fleet.latest_loads l where l.client_id = $1 order by l.started_at desc'
    using v_client;
end;
$$;
comment on function fleet.my_latest_loads() is 'The fleet.latest_loads rows of the session''s client (set fleet.client_id) as jsonb, newest first. For the dashboard role.';

-- fleet.link_database: the session's client links (or, with null, unlinks) its database. Setting
-- source_url enqueues a load through the clients trigger, in this transaction.
create or replace function fleet.link_database(url text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_client text := fleet.dashboard_client_id();
begin
  if v_client is null then
    raise exception 'fleet.link_database: set fleet.client_id first' using errcode = '22023';
  end if;
  if url is not null and url !~* '^(postgres|postgresql|mysql)://' then
    raise exception 'fleet.link_database: expected a postgresql:// or mysql:// URL' using errcode = '22023';
  end if;
  update fleet.clients c set source_url = nullif(btrim(url), '') where c.client_id = v_client;
  if not found then
    raise exception 'fleet.link_database: unknown client %', quote_literal(v_client) using errcode = '22023';
  end if;
end;
$$;
comment on function fleet.link_database(text) is 'Set (or clear, with null) source_url of the session''s client; enqueues a load. The URL is never readable back.';

revoke execute on function fleet.my_status() from public;
revoke execute on function fleet.my_latest_loads() from public;
revoke execute on function fleet.link_database(text) from public;
grant execute on function fleet.my_status() to fleet_dashboard;
grant execute on function fleet.my_latest_loads() to fleet_dashboard;
grant execute on function fleet.link_database(text) to fleet_dashboard;
