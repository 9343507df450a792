-- M11: members' earn-rate multipliers (MemberTierChanged), stamped on an order when it is paid so that earning and
-- any later clawback use the same one.
create table member_tiers (
    member_id        uuid          primary key,
    earn_multiplier  numeric(6,3)  not null,
    changed_at       timestamptz   not null
);
alter table orders add column earn_multiplier numeric(6,3) not null default 1.0;
