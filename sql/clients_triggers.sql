-- Triggers on fleet.clients: budget/industry changes mark the client for re-analysis
-- (data_version bump); setting or changing source_url (or the source table names while linked)
-- enqueues a load in the same transaction, so a rolled-back change enqueues nothing.
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
  if new.source_url is not null and (
       tg_op = 'INSERT'
       or new.source_url is distinct from old.source_url
       or new.source_vehicles_table is distinct from old.source_vehicles_table
       or new.source_expenses_table is distinct from old.source_expenses_table) then
    perform fleet.add_job('load', new.client_id);
  end if;
  return null;
end;
$$;
comment on function fleet.clients_after_source_change() is 'Trigger: enqueue load (job key load:<client>) for a client whose source_url was set or changed, or whose source table names changed while linked (same transaction).';

drop trigger if exists clients_before_update on fleet.clients;
create trigger clients_before_update before update on fleet.clients
  for each row execute function fleet.clients_before_update();
drop trigger if exists clients_after_source_change on fleet.clients;
create trigger clients_after_source_change after insert or update of source_url, source_vehicles_table, source_expenses_table on fleet.clients
  for each row execute function fleet.clients_after_source_change();
