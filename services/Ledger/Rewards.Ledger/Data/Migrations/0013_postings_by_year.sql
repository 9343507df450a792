-- Postings are kept for ever, so the table is partitioned by the year of effective_at: a year's postings sit together,
-- the partition written to is this year's rather than all of history, past years are frozen and vacuumed once, and a
-- report on a period reads only its years. Years, not months: a member's postings are found through every partition's
-- index, so each partition adds a probe to a member's history, a verify slice and a forfeiture; sixty monthly
-- partitions would make those sixty probes. PostingPartitionsJob creates next year's partition ahead of time; rows
-- dated outside every partition land in postings_default, and creating their year later moves them. No partition is
-- ever detached or dropped.
--
-- A partitioned table's unique indexes must contain the partition key, so the two that were unique per account move:
-- - (account_id, idempotency_key) becomes posting_keys, one row per member posting kept by a statement trigger, so a
--   second posting under a key is still refused by the database, and a look-up by key is one probe, not one per year;
-- - (account_id, seq) stays as a plain index; seq comes from the locked account row, and verify's
--   account-sequence check finds a duplicate or a gap.

alter table postings rename to postings_unpartitioned;
alter index postings_account_seq rename to postings_unpartitioned_account_seq;
alter index postings_idempotent rename to postings_unpartitioned_idempotent;
alter index postings_system_effective rename to postings_unpartitioned_system_effective;
alter table postings_unpartitioned rename constraint postings_pkey to postings_unpartitioned_pkey;

create table postings (
    id              uuid        not null default uuid_v7(),
    transaction_id  uuid        not null,
    account_id      uuid        not null,
    seq             bigint,
    kind            text        not null,
    amount          bigint      not null,
    balance_after   bigint,
    effective_at    timestamptz not null,
    reference       text        not null,
    idempotency_key text        not null,
    caused_by       text        not null,
    lot_id          uuid,
    constraint member_posting_sequenced check ((seq is null) = (balance_after is null)),
    primary key (id, effective_at)
) partition by range (effective_at);
create table postings_default partition of postings default;

create table posting_keys (
    account_id      uuid not null,
    idempotency_key text not null,
    posting_id      uuid not null,
    transaction_id  uuid not null,
    lot_id          uuid,
    primary key (account_id, idempotency_key)
);

-- Creates the partition for the year of day (UTC years) unless it exists; rows postings_default holds for that year
-- move into it. Runs as the tables' owner so that the service's role, which may not create tables or
-- remove postings, can call it. Attaching takes no lock that stops writers to other years.
create function create_postings_partition(day date) returns boolean
language plpgsql security definer set search_path = public as $$
declare
    first_day date        := make_date(extract(year from day)::int, 1, 1);
    from_at   timestamptz := first_day::timestamp at time zone 'UTC';
    to_at     timestamptz := (first_day + interval '1 year') at time zone 'UTC';
    name      text        := 'postings_' || to_char(first_day, 'YYYY');
begin
    if to_regclass(name) is not null then return false; end if;
    execute format('create table %I (like postings including defaults including constraints)', name);
    if exists (select 1 from postings_default where effective_at >= from_at and effective_at < to_at) then
        execute format('insert into %I select * from postings_default where effective_at >= $1 and effective_at < $2', name)
            using from_at, to_at;
        alter table postings_default disable trigger postings_no_update_delete;
        delete from postings_default where effective_at >= from_at and effective_at < to_at;
        alter table postings_default enable trigger postings_no_update_delete;
    end if;
    execute format('alter table postings attach partition %I for values from (%L) to (%L)', name, from_at, to_at);
    execute format('revoke update, delete, truncate on %I from rewards_ledger_app', name);
    return true;
end $$;
revoke execute on function create_postings_partition(date) from public;
grant execute on function create_postings_partition(date) to rewards_ledger_app;

-- The years existing postings use (within ten years of today) and last, this and next year.
select create_postings_partition(y::date)
from (select distinct date_trunc('year', effective_at at time zone 'UTC') as y from postings_unpartitioned
      where effective_at > now() - interval '10 years' and effective_at < now() + interval '10 years'
      union
      select date_trunc('year', now() at time zone 'UTC') + n * interval '1 year' from generate_series(-1, 1) n) years;

insert into postings select * from postings_unpartitioned;
insert into posting_keys (account_id, idempotency_key, posting_id, transaction_id, lot_id)
select account_id, idempotency_key, id, transaction_id, lot_id from postings_unpartitioned where seq is not null;
drop table postings_unpartitioned;

create index postings_account_seq on postings (account_id, seq) where seq is not null;
create index postings_system_effective on postings (account_id, effective_at) where seq is null;
-- Verify checks a slice of members' transactions whole: every leg, whoever's account it is on.
create index postings_transaction on postings (transaction_id);

create trigger postings_no_update_delete before update or delete on postings
    for each row execute function postings_are_append_only();
create trigger postings_no_truncate before truncate on postings
    for each statement execute function postings_are_append_only();
create trigger posting_keys_no_update_delete before update or delete on posting_keys
    for each row execute function postings_are_append_only();

-- L2/L18: one posting per idempotency key and member account, refused by posting_keys' primary key.
create function postings_keep_keys() returns trigger language plpgsql as $$
begin
    insert into posting_keys (account_id, idempotency_key, posting_id, transaction_id, lot_id)
    select account_id, idempotency_key, id, transaction_id, lot_id from new_postings where seq is not null;
    return null;
end $$;
create trigger postings_keep_keys after insert on postings referencing new table as new_postings
    for each statement execute function postings_keep_keys();

grant select, insert on postings, posting_keys to rewards_ledger_app;
revoke update, delete, truncate on postings, posting_keys from rewards_ledger_app;
revoke update, delete, truncate on postings_default from rewards_ledger_app;
