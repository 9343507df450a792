-- Every run of a clock job, scheduled or started by ops, for GET /ops/jobs and its history. A run whose process died
-- mid-way keeps ended_at null. Times are the service's clock; kept for JobHistoryCleanupJob.Retention.
create table if not exists job_runs (
    id          bigint generated always as identity primary key,
    job         text             not null,
    started_by  text             not null,
    instance    text             not null,
    started_at  timestamptz      not null,
    ended_at    timestamptz,
    duration_ms double precision,
    succeeded   boolean,
    result      text
);
create index if not exists job_runs_by_job on job_runs (job, id desc);
