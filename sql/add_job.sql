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
