-- Transactional outbox: rows written in the same transaction as the state change they announce.
create table if not exists outbox_messages (
    seq             bigserial primary key,
    message_id      uuid        not null unique,
    message_type    text        not null,
    body            jsonb       not null,
    correlation_id  uuid,
    created_at      timestamptz not null,
    next_attempt_at timestamptz not null,
    attempts        int         not null default 0,
    last_error      text,
    published_at    timestamptz
);
create index if not exists outbox_messages_unpublished on outbox_messages (seq) where published_at is null;

-- Inbox: a consumer's effects commit together with the id of the message that caused them.
create table if not exists inbox_messages (
    message_id   uuid        not null,
    consumer     text        not null,
    message_type text        not null,
    received_at  timestamptz not null,
    primary key (message_id, consumer)
);
