-- N1: one e-mail per business event and type; the unique key makes a repeated event a no-op.
create table notifications (
    id               uuid        primary key,
    event_id         uuid        not null,
    type             text        not null,
    member_id        uuid,
    to_address       text        not null,
    subject          text        not null,
    body             text        not null,
    marketing        boolean     not null default false,
    status           text        not null,
    attempts         int         not null default 0,
    next_attempt_at  timestamptz not null,
    last_error       text,
    created_at       timestamptz not null,
    sent_at          timestamptz,
    unique (event_id, type)
);
create index notifications_due on notifications (next_attempt_at) where status = 'pending';
create index notifications_member on notifications (member_id, created_at desc);
create index notifications_to on notifications (lower(to_address), created_at desc);
