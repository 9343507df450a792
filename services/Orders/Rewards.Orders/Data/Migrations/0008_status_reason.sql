-- Why the status changed, where someone said (a cancellation's reason).
alter table order_status_history add column if not exists reason text;
