-- Members erased by Membership (M5/M7). A later event about one of them can never be mailed: it is suppressed, not
-- retried. Only the id is kept.
create table erased_members (
    member_id  uuid        primary key,
    erased_at  timestamptz not null
);
