-- Why a consumer handled a message without acting on it (e.g. a mail for a member erased meanwhile): it can never
-- succeed, so it is recorded here instead of being retried into an _error queue.
alter table inbox_messages add column if not exists suppressed_reason text;
