-- Time-ordered UUIDs (RFC 9562 version 7) for rows generated in SQL, matching Guid.CreateVersion7 in code, so
-- set-based jobs append at the right edge of the primary-key index instead of all over it.
create function uuid_v7() returns uuid language sql volatile parallel safe as $$
    select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
        52, 1), 53, 1), 'hex')::uuid
$$;

-- L9: held points have their own bucket, so a hold moves points out of the spendable balance by a posting.
insert into accounts (id, member_id, channel, bucket, created_at)
select gen_random_uuid(), member_id, channel, 'held', created_at from accounts where bucket = 'earned'
on conflict do nothing;

-- L2/L18: one posting per idempotency key and member account, enforced by the database.
create unique index postings_idempotent on postings (account_id, idempotency_key) where seq is not null;

-- L5: lots created from another lot (gift, channel transfer) name it; clawed_back counts what refunds took back from a purchase.
alter table lots add column origin_lot_id uuid references lots (id);
alter table lots add column clawed_back bigint not null default 0;
drop index lots_earned_expiry;
-- A lot moved by a gift or transfer keeps its source but is not the purchase or receipt itself.
drop index lots_one_per_purchase;
create unique index lots_one_per_purchase on lots (member_id, channel, reference) where source = 'purchase' and origin_lot_id is null;
drop index lots_receipt_once;
create unique index lots_receipt_once on lots (reference) where source = 'missed-earning' and origin_lot_id is null;
create index lots_expiry_due on lots (expires_at, id) where status = 'earned' and remaining > 0;
-- A member's spendable lots in FIFO order: the balance's next expiry and every session's lot load. Without it the
-- planner may walk lots_expiry_due in expiry order looking for one member's lots.
create index lots_member_spendable on lots (member_id, channel, expires_at) where status = 'earned' and remaining > 0;
-- The two partial indexes replace the one over every lot, so expiring or using up a lot adds no member index entry.
drop index lots_member;
create index lots_member_pending on lots (member_id, channel) where status = 'pending';

-- L5/L7/L9: which lots a debit consumed. Append-only too: giving points back inserts the negative, so the sum per
-- (reference, lot) is what is still out and a return restores exactly the lots that were used.
create table allocations (
    id              bigint      generated always as identity primary key,
    transaction_id  uuid        not null,
    lot_id          uuid        not null references lots (id),
    kind            text        not null,
    reference       text        not null,
    points          bigint      not null check (points <> 0),
    created_at      timestamptz not null
);
create index allocations_reference on allocations (reference, lot_id);
create trigger allocations_no_update_delete before update or delete on allocations
    for each row execute function postings_are_append_only();

-- L9: checkout holds.
create table holds (
    id          uuid        primary key,
    member_id   uuid        not null,
    channel     text        not null,
    order_id    uuid,
    points      bigint      not null check (points > 0),
    status      text        not null check (status in ('open', 'committed', 'released')),
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    closed_at   timestamptz,
    close_reason text
);
create index holds_open_due on holds (expires_at) where status = 'open';
create index holds_order on holds (order_id);

-- L3/L15: exchange rates with the date from which each applies.
create table exchange_rates (
    currency        text           not null check (currency ~ '^[A-Z]{3}$'),
    effective_from  timestamptz    not null,
    usd_per_unit    numeric(24, 12) not null check (usd_per_unit > 0),
    recorded_at     timestamptz    not null,
    recorded_by     text           not null,
    primary key (currency, effective_from)
);

-- L14: a member's points are forfeited when the grace period after withdrawal or disqualification ends.
create table forfeitures (
    member_id   uuid        primary key,
    reason      text        not null,
    due_at      timestamptz not null,
    status      text        not null check (status in ('scheduled', 'done', 'cancelled')),
    created_at  timestamptz not null,
    closed_at   timestamptz
);
create index forfeitures_due on forfeitures (due_at) where status = 'scheduled';

-- L4/L7: orders cancelled after payment. Events can arrive out of order: an OrderPaid that comes after its order's
-- cancellation must not earn.
create table cancelled_orders (
    order_id      uuid        primary key,
    cancelled_at  timestamptz not null
);

-- L10: gifts, for the sender's and receiver's history.
create table gifts (
    id              uuid        primary key,
    from_member_id  uuid        not null,
    to_member_id    uuid        not null,
    channel         text        not null,
    points          bigint      not null,
    created_at      timestamptz not null
);

alter table postings alter column id set default uuid_v7();

-- Fewer indexes on the hottest table: nothing looks postings up by transaction, and only system postings are read by
-- date (the liability report); member history goes through (account_id, seq).
drop index postings_transaction;
drop index postings_effective;
create index postings_system_effective on postings (account_id, effective_at) where seq is null;
