-- O7: duty-free orders are collected at the airport; the passport is kept only as a keyed hash, enough to add up
-- what one traveller orders for one departure.
alter table orders add column duty_free boolean not null default false;
alter table orders add column passport_hash text;
alter table orders add column departure_at timestamptz;
alter table orders add column flight text;
alter table orders add column airport text;
create index orders_departure on orders (passport_hash, departure_at) where duty_free;
