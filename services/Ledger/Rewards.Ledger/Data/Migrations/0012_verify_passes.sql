-- The verify job checks the ledger a slice of members at a time (GET /ops/verify still checks everything at once):
-- where the current pass has got to, so a restart resumes there, and each completed pass, for ops.
create table verify_checkpoint (
    id               int         primary key check (id = 1),
    pass_started_at  timestamptz not null,
    after_member     uuid,                  -- the last member checked in this pass; null at its start
    accounts_checked bigint      not null,
    violation_count  int         not null,
    violations       jsonb       not null   -- those found so far in this pass (the first 1,000)
);
create table verify_passes (
    id               bigserial   primary key,
    started_at       timestamptz not null,
    ended_at         timestamptz not null,
    accounts_checked bigint      not null,
    violation_count  int         not null,
    violations       jsonb       not null
);
