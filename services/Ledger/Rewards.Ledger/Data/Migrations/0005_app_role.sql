-- L2, second line of defence: the service works as rewards_ledger_app (LedgerModule sets the role on every connection),
-- which may read and append postings and allocations but has no privilege to change or remove them. Migrations run
-- as the database owner. The role is cluster-wide, so databases migrating at once may race to create it.
do $$ begin
    create role rewards_ledger_app nologin;
exception when duplicate_object or unique_violation then null;
end $$;
grant usage on schema public to rewards_ledger_app;
grant select, insert, update, delete on all tables in schema public to rewards_ledger_app;
grant usage, select on all sequences in schema public to rewards_ledger_app;
alter default privileges in schema public grant select, insert, update, delete on tables to rewards_ledger_app;
alter default privileges in schema public grant usage, select on sequences to rewards_ledger_app;
revoke update, delete, truncate on postings, allocations from rewards_ledger_app;
