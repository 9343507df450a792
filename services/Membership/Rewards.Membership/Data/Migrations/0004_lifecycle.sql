-- M3/M5/M7: an erased member keeps only keyed hashes of its identity, so personal columns become optional.
alter table members alter column email drop not null;
alter table members alter column email_normalized drop not null;
alter table members alter column password_hash drop not null;
alter table members alter column name drop not null;
alter table members alter column birth_date drop not null;
alter table members alter column country drop not null;
alter table members add column email_hash text;
alter table members add column phone_hash text;
alter table members add column problem_customer boolean not null default false;
alter table members add column grace_ends_at timestamptz;        -- M7/M8: end of the L14 grace period
alter table members add column dormancy_warned_for timestamptz;  -- M5: the last activity the warning was sent for
alter table members add column dormant_since timestamptz;
alter table members add column erased_at timestamptz;
alter table members add column tier text not null default 'standard';

-- A withdrawn member keeps its row (and may still log in to use points) until the grace period ends; a rejoining
-- person gets a new row meanwhile. So identities are unique among the other members only.
drop index members_email_unique;
drop index members_phone_unique;
drop index members_passport_unique;
create unique index members_email_unique on members (email_normalized) where status <> 'withdrawn';
create unique index members_phone_unique on members (phone) where phone is not null and status <> 'withdrawn';
create unique index members_passport_unique on members (passport_hash) where passport_hash is not null and status <> 'withdrawn';
create index members_email_hash on members (email_hash) where email_hash is not null;
create index members_phone_hash on members (phone_hash) where phone_hash is not null;
create index members_last_activity on members ((coalesce(last_login_at, registered_at))) where status = 'active';
create index members_dormant on members (dormant_since) where status = 'dormant';
create index members_grace on members (grace_ends_at) where status = 'withdrawn';

-- M8/M9: who changed a member's standing, when and why.
create table member_audit (
    id          bigserial   primary key,
    member_id   uuid        not null references members (id),
    action      text        not null,
    reason      text,
    actor       text        not null,
    at          timestamptz not null,
    details     jsonb
);
create index member_audit_member on member_audit (member_id, id);

-- M7/M11: the member's orders, projected from Orders events. Events may arrive in any order, so every column but
-- the key is filled by whichever event knows it.
create table member_orders (
    order_id      uuid          primary key,
    member_id     uuid,
    paid_usd      numeric(12,2),
    paid_at       timestamptz,
    refunded_usd  numeric(12,2) not null default 0,
    closed        text,         -- delivered, picked-up or cancelled
    closed_at     timestamptz
);
create index member_orders_member on member_orders (member_id, paid_at);
