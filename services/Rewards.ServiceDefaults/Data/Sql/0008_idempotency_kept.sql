-- Keys that are a business identity (a partner's transaction id, L16) answer for ever; the cleanup job skips them.
alter table idempotency_keys add column if not exists kept boolean not null default false;
