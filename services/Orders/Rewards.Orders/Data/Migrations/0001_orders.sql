create sequence order_numbers start 100001;

create table orders (
    id                uuid          primary key,
    order_number      text          not null unique,
    member_id         uuid,
    customer_email    text          not null,
    customer_name     text          not null,
    currency          char(3)       not null,
    goods_usd         numeric(12,2) not null,
    shipping_usd      numeric(12,2) not null,
    tracking_fee_usd  numeric(12,2) not null,
    amount_due_usd    numeric(12,2) not null,
    payment_method    text          not null,
    shipping_country  char(2)       not null,
    shipping_method   text          not null,
    shipping_address  text          not null,
    status            text          not null,
    placed_at         timestamptz   not null,
    paid_at           timestamptz,
    delivered_at      timestamptz,
    tracking_number   text
);
create index orders_member on orders (member_id, placed_at desc);

create table order_lines (
    order_id      uuid          not null references orders (id),
    line_no       int           not null,
    sku           text          not null,
    name          text          not null,
    quantity      int           not null,
    unit_price    numeric(12,2) not null,
    weight_grams  int           not null,
    item_type     text          not null,
    broadcast_at  timestamptz,
    primary key (order_id, line_no)
);

create table order_status_history (
    order_id  uuid        not null references orders (id),
    seq       int         not null,
    status    text        not null,
    at        timestamptz not null,
    actor     text        not null,
    primary key (order_id, seq)
);

create table payments (
    id            uuid          primary key,
    order_id      uuid          not null unique references orders (id),
    amount_usd    numeric(12,2) not null,
    method        text          not null,
    status        text          not null,
    created_at    timestamptz   not null,
    confirmed_at  timestamptz
);
