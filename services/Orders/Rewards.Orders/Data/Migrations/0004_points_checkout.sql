-- O8/O9/L9: an order paid partly with points holds them in the Ledger from placing until payment (commit) or
-- cancellation/expiry (release). The hold id is what the Ledger knows the reservation by.
alter table orders add column points_channel text;
alter table orders add column points_used bigint not null default 0;
alter table orders add column points_value_usd numeric(12,2) not null default 0;
alter table orders add column points_hold_id uuid;
create index orders_awaiting_payment on orders (placed_at) where status = 'pending-payment';
