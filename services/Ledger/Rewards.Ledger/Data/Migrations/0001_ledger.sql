-- L1: one account per member, channel and bucket (earned points, pending points), plus system accounts.
-- Member accounts keep a running balance and a gap-free posting sequence; system accounts keep neither, so
-- no single row is locked by every posting (their balances are sums over postings).
create table accounts (
    id          uuid        primary key,
    member_id   uuid,
    channel     text,
    bucket      text        not null,
    balance     bigint      not null default 0,
    last_seq    bigint      not null default 0,
    created_at  timestamptz not null,
    constraint member_account_has_channel check ((member_id is null) = (channel is null))
);
create unique index accounts_member on accounts (member_id, channel, bucket) where member_id is not null;
create unique index accounts_system on accounts (bucket) where member_id is null;

insert into accounts (id, bucket, created_at) values
    ('00000000-0000-7000-8000-00000000a001', 'issuance',   now()),
    ('00000000-0000-7000-8000-00000000a002', 'redemption', now()),
    ('00000000-0000-7000-8000-00000000a003', 'breakage',   now()),
    ('00000000-0000-7000-8000-00000000a004', 'forfeiture', now()),
    ('00000000-0000-7000-8000-00000000a005', 'adjustment', now()),
    ('00000000-0000-7000-8000-00000000a006', 'payoff',     now());

-- L2: postings are append-only. Each ledger transaction is two or more postings summing to zero.
create table postings (
    id              uuid        primary key,
    transaction_id  uuid        not null,
    account_id      uuid        not null references accounts (id),
    seq             bigint,
    kind            text        not null,
    amount          bigint      not null,
    balance_after   bigint,
    effective_at    timestamptz not null,
    reference       text        not null,
    idempotency_key text        not null,
    caused_by       text        not null,
    lot_id          uuid,
    constraint member_posting_sequenced check ((seq is null) = (balance_after is null))
);
create unique index postings_account_seq on postings (account_id, seq) where seq is not null;
create index postings_transaction on postings (transaction_id);
create index postings_effective on postings (effective_at);

create function postings_are_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'postings are append-only: % is not allowed; post a reversing entry instead', tg_op
        using errcode = 'P0001';
end $$;
create trigger postings_no_update_delete before update or delete on postings
    for each row execute function postings_are_append_only();
create trigger postings_no_truncate before truncate on postings
    for each statement execute function postings_are_append_only();

-- L5: every credit creates a lot; debits consume lots FIFO.
create table lots (
    id              uuid        primary key,
    member_id       uuid        not null,
    channel         text        not null,
    source          text        not null,
    reference       text        not null,
    amount          bigint      not null check (amount > 0),
    remaining       bigint      not null check (remaining >= 0),
    status          text        not null,
    earned_at       timestamptz,
    expires_at      timestamptz,
    activate_after  timestamptz,
    transferable    boolean     not null,
    created_at      timestamptz not null
);
create unique index lots_one_per_purchase on lots (member_id, channel, reference) where source = 'purchase';
create index lots_pending_due on lots (activate_after) where status = 'pending';
create index lots_member on lots (member_id, channel, status);

-- Delivery times that may arrive before the order's points were credited.
create table order_deliveries (
    order_id      uuid        primary key,
    delivered_at  timestamptz not null
);
