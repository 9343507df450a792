-- Ops' replays and discards of messages parked in the service's _error queues: who, when, why.
create table if not exists error_queue_actions (
    id            uuid        primary key,
    queue         text        not null,
    message_id    text        not null,
    message_type  text,
    action        text        not null,
    reason        text,
    actor         text        not null,
    at            timestamptz not null
);
create index if not exists error_queue_actions_at on error_queue_actions (at);
