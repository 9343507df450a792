-- The inbox-cleanup job deletes rows by age; without this index each of its slices would scan the whole inbox.
create index if not exists inbox_messages_received on inbox_messages (received_at);
