-- fleet.source_state: incremental reading of client databases. One row per client and source table
-- (the table name as configured in fleet.clients): the latest date loaded from it, so the next load
-- re-reads only a safety window before that date instead of the whole table.
create table if not exists fleet.source_state (
  client_id text not null references fleet.clients (client_id) on delete cascade,
  source_table text not null,
  source_name text not null,
  last_loaded_date date not null,
  updated_at timestamptz not null default now(),
  primary key (client_id, source_table)
);
comment on table fleet.source_state is 'Incremental loads from client databases: per client and source table, the latest date loaded; the next load reads rows dated on or after last_loaded_date minus the safety window (FLEETSIGHT_SOURCE_WINDOW_DAYS, default 35). `fleetsight load <client> --full` ignores it.';
comment on column fleet.source_state.source_table is 'The source table name as configured in fleet.clients (source_expenses_table / source_vehicles_table).';
comment on column fleet.source_state.source_name is 'The source the date came from, without credentials (pg:host/db or mysql:host/db); a different source (source_url pointing elsewhere) means a full read.';
comment on column fleet.source_state.last_loaded_date is 'The latest date among the rows loaded from this table.';
