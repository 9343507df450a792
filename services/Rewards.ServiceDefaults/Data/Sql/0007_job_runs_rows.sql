-- The rows (lots, members, orders …) a job run touched, for the history and rewards_jobs_rows_total.
alter table job_runs add column if not exists rows bigint;
