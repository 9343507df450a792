-- L16: partner stores, managed by ops, posting through signed integration endpoints.
create table partners (
    id                  uuid          primary key,
    name                text          not null,
    channel             text          not null check (channel in ('online', 'offline')),
    earn_rate           numeric(9, 6) not null check (earn_rate >= 0 and earn_rate <= 1),
    redemption_allowed  boolean       not null,
    status              text          not null check (status in ('active', 'suspended')),
    requests_per_second int           not null check (requests_per_second > 0),
    created_at          timestamptz   not null,
    created_by          text          not null,
    updated_at          timestamptz   not null
);
create unique index partners_name on partners (lower(name));

-- A partner's API keys. The secret signs requests, so it is kept (encrypted), not only its hash; it is shown once.
create table partner_keys (
    key_id            text        primary key,
    partner_id        uuid        not null references partners (id),
    secret_encrypted  bytea       not null,
    created_at        timestamptz not null,
    created_by        text        not null,
    expires_at        timestamptz,          -- set when a newer key replaces it, after the overlap
    revoked_at        timestamptz,
    revoked_by        text
);
create index partner_keys_partner on partner_keys (partner_id);

-- Nonces of accepted requests, kept a little longer than the ±5 min a timestamp is accepted for. Unlogged: no WAL for a
-- row per request; a database crash empties it, which reopens replays only of requests signed in the 5 minutes before.
create unlogged table partner_nonces (
    key_id   text        not null,
    nonce    text        not null,
    seen_at  timestamptz not null,
    primary key (key_id, nonce)
);
create index partner_nonces_seen on partner_nonces (seen_at);

-- The partner's transactions, for refunds, cancellations and the statement. The transaction id is unique per partner.
create table partner_transactions (
    id              uuid           primary key,
    partner_id      uuid           not null references partners (id),
    transaction_id  text           not null,
    kind            text           not null check (kind in ('purchase', 'refund', 'redemption', 'redemption-cancellation')),
    member_id       uuid           not null,
    channel         text           not null,
    related_id      uuid           references partner_transactions (id),
    amount          numeric(18, 2),
    currency        text,
    amount_usd      numeric(18, 2),
    earn_rate       numeric(9, 6),
    points          bigint         not null,
    no_points_reason text,
    occurred_at     timestamptz    not null,
    recorded_at     timestamptz    not null,
    unique (partner_id, transaction_id)
);
create index partner_transactions_statement on partner_transactions (partner_id, occurred_at, id);
create index partner_transactions_related on partner_transactions (related_id) where related_id is not null;

-- The card a member shows at a partner store: a number for earning, and short-lived signed QR tokens for redeeming.
create table member_cards (
    member_id    uuid        primary key,
    card_number  text        not null unique,
    issued_at    timestamptz not null
);

