-- M6: single-use, expiring password-reset tokens, stored as SHA-256 hashes.
create table password_resets (
    token_hash  text        primary key,
    member_id   uuid        not null references members (id),
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index password_resets_member on password_resets (member_id);
