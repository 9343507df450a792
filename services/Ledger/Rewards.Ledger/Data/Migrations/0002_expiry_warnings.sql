-- L6: one warning per member, channel and expiry date.
create table expiry_warnings (
    id          uuid        primary key,
    member_id   uuid        not null,
    channel     text        not null,
    expires_on  date        not null,
    points      bigint      not null,
    warned_at   timestamptz not null,
    unique (member_id, channel, expires_on)
);
create index lots_earned_expiry on lots (expires_at) where status = 'earned' and remaining > 0;
