-- M4: lock-out after repeated failed logins.
alter table members add column failed_logins int not null default 0;
alter table members add column locked_until timestamptz;

-- M4: refresh tokens, stored as SHA-256 hashes. Each is used once: refreshing replaces it. Presenting a used one
-- again means it was stolen, and every token of the member is revoked.
create table refresh_tokens (
    token_hash  text        primary key,
    member_id   uuid        not null references members (id),
    issued_at   timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    revoked_at  timestamptz
);
create index refresh_tokens_member on refresh_tokens (member_id);
