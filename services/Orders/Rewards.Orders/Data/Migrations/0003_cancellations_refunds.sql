-- O4/O5: cancellations and refunds. refunded_usd sums every refund of the order, so together they never exceed it.
alter table orders add column shipped_at timestamptz;
alter table orders add column cancelled_at timestamptz;
alter table orders add column cancellation_fee_usd numeric(12,2);
alter table orders add column refunded_usd numeric(12,2) not null default 0;

create table refunds (
    id               uuid          primary key,
    order_id         uuid          not null references orders (id),
    kind             text          not null,   -- cancellation, defect, untraceable-parcel
    amount_usd       numeric(12,2) not null,
    photo_reference  text,
    defects          jsonb,
    actor            text          not null,
    at               timestamptz   not null
);
create index refunds_order on refunds (order_id);
