-- web-users adapter: keeps fleet.clients in sync with the existing dashboard's web.users table, so
-- that dashboard needs no change. Grain: one fleet.clients row per distinct web.users.companyid.
--   companyid → client_id, companyname → name, "companyType" (Russian industry name or code;
--   unknown → 'other') → industry, "yearBudget" → year_budget, "postgresData" (URL) → source_url.
-- Setting or changing "postgresData" therefore enqueues a load through the fleet.clients trigger.
-- Applied by `fleetsight adapter install web-users` (not by a migration: web.users may not exist).
-- Idempotent: functions are replaced, the trigger recreated, existing rows synced again.

create or replace function fleet.web_users_upsert_client(
  p_client_id text, p_name text, p_company_type text, p_year_budget numeric, p_source_url text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_industry text := coalesce(fleet.industry_code(p_company_type), 'other');
  v_url text := nullif(btrim(p_source_url), '');
  v_budget numeric := case when p_year_budget >= 0 then p_year_budget end;
begin
  if p_client_id is null or p_client_id !~ '^[A-Za-z0-9_-]{1,64}$' then
    -- A user row without a (valid) company id is not a client yet; never block the dashboard.
    return;
  end if;
  insert into fleet.clients as c (client_id, name, industry, year_budget, source_url)
  values (p_client_id, p_name, v_industry, v_budget, v_url)
  on conflict (client_id) do update set
    name = excluded.name, industry = excluded.industry,
    year_budget = excluded.year_budget, source_url = excluded.source_url
  where (c.name, c.industry, c.year_budget, c.source_url)
    is distinct from (excluded.name, excluded.industry, excluded.year_budget, excluded.source_url);
end;
$$;
comment on function fleet.web_users_upsert_client(text, text, text, numeric, text) is 'web-users adapter: create or update the fleet.clients row of one web.users company (no-op when nothing changed; an invalid companyid is skipped).';
revoke execute on function fleet.web_users_upsert_client(text, text, text, numeric, text) from public;

create or replace function fleet.web_users_sync()
returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform fleet.web_users_upsert_client(new.companyid, new.companyname, new."companyType", new."yearBudget", new."postgresData");
  return null;
end;
$$;
comment on function fleet.web_users_sync() is 'Trigger on web.users (web-users adapter): sync the row''s company into fleet.clients.';

drop trigger if exists fleet_web_users_sync on web.users;
create trigger fleet_web_users_sync
  after insert or update of companyid, companyname, "companyType", "yearBudget", "postgresData" on web.users
  for each row execute function fleet.web_users_sync();
comment on trigger fleet_web_users_sync on web.users is 'fleetsight web-users adapter: keeps fleet.clients in sync (installed by fleetsight adapter install web-users).';

-- Sync the rows that exist already (the latest user row of a company wins, as the trigger would).
select fleet.web_users_upsert_client(u.companyid, u.companyname, u."companyType", u."yearBudget", u."postgresData")
from (
  select distinct on (companyid) companyid, companyname, "companyType", "yearBudget", "postgresData"
  from web.users
  where companyid is not null
  order by companyid, id desc
) u;
