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
