-- N1: every mail has an HTML body beside the plain text (from Templates/); mails written before have none.
alter table notifications add column html_body text;
alter table notifications add column campaign_id uuid;

-- M10/N3: marketing segments by country and grade.
alter table member_directory add column country text;
alter table member_directory add column tier text not null default 'standard';

-- N3: what ops sent to whom, for the log.
create table marketing_campaigns (
    id          uuid        primary key,
    subject     text        not null,
    text        text        not null,
    countries   text[]      not null,
    tiers       text[]      not null,
    recipients  int         not null,
    created_at  timestamptz not null,
    created_by  text        not null
);
