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
