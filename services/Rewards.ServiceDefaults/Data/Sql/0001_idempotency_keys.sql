-- Idempotency-Key: the first response to a mutating request, replayed for repeats of the same key and body.
create table if not exists idempotency_keys (
    scope         text        not null,
    key           text        not null,
    request_hash  text        not null,
    status_code   int,
    content_type  text,
    body          bytea,
    created_at    timestamptz not null,
    completed_at  timestamptz,
    primary key (scope, key)
);
create index if not exists idempotency_keys_created on idempotency_keys (created_at);
