-- N1: where to write about an order (members and guests), for events that name only the order.
create table order_directory (
    order_id      uuid        primary key,
    order_number  text        not null,
    member_id     uuid,
    email         text        not null,
    name          text        not null
);
create index order_directory_member on order_directory (member_id);
