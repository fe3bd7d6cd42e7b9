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
