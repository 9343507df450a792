-- Who a member is, for e-mails about events that carry only a member id (points expired, …).
create table member_directory (
    member_id        uuid        primary key,
    email            text        not null,
    name             text        not null,
    marketing_opt_in boolean     not null,
    updated_at       timestamptz not null
);
