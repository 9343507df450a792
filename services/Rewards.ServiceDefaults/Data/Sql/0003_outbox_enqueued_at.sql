-- The database's own wall time of each outbox row, for the relay's lag (created_at follows the service's clock, which
-- tests move by days).
alter table outbox_messages add column if not exists enqueued_at timestamptz not null default now();
-- Claims of the two-commit idempotency mode that never got their answer: nothing of theirs is known to have committed.
-- Keys are now claimed in the transaction of the change, so an unanswered claim can no longer be committed.
delete from idempotency_keys where completed_at is null;
