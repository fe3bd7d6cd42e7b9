-- fleet.run_analysis: evaluate one registered SQL analysis for a client. The function to call comes
-- from fleet.analysis_types.fn, a regprocedure (an OID validated when the row was written), so no
-- identifier is ever built from a caller's text.
create or replace function fleet.run_analysis(analysis_type text, client_id text, as_of date)
returns json
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_fn regprocedure;
  v_result json;
begin
  select t.fn into v_fn
  from fleet.analysis_types t
  where t.analysis_type = run_analysis.analysis_type and t.engine = 'sql';
  if v_fn is null then
    raise exception 'fleet.run_analysis: % is not a registered SQL analysis', quote_literal(analysis_type) using errcode = '22023';
  end if;
  execute format('select %s($1, $2)', v_fn::regproc) into v_result using client_id, as_of;
  return coalesce(v_result, '{}'::json);
end;
$$;
comment on function fleet.run_analysis(text, text, date) is 'Evaluate the registered SQL analysis <analysis_type> for a client as of a date.';

-- fleet.client_analyses: the analysis types a client gets, from its industry and the matrix.
create or replace function fleet.client_analyses(client_id text)
returns table (analysis_type text, engine text, sort_order int)
language sql stable
as $$
  select t.analysis_type, t.engine, t.sort_order
  from fleet.clients c
  join fleet.analyses a on a.industry = c.industry
  join fleet.analysis_types t on t.analysis_type = a.analysis_type
  where c.client_id = $1
  order by t.sort_order, t.analysis_type
$$;
comment on function fleet.client_analyses(text) is 'The analysis types (and their engine) that the client''s industry gets, in contract order.';
