create table members (
    id                          uuid        primary key,
    email                       text        not null,
    email_normalized            text        not null,
    password_hash               text        not null,
    name                        text        not null,
    birth_date                  date        not null,
    country                     char(2)     not null,
    phone                       text,
    passport_hash               text,
    terms_version               text        not null,
    terms_accepted_at           timestamptz not null,
    personal_info_consent_at    timestamptz not null,
    marketing_opt_in            boolean     not null,
    status                      text        not null,
    registered_at               timestamptz not null,
    last_login_at               timestamptz
);
-- M2: one account per person; erased members keep only hashes elsewhere, so these cover live members.
create unique index members_email_unique on members (email_normalized);
create unique index members_phone_unique on members (phone) where phone is not null;
create unique index members_passport_unique on members (passport_hash) where passport_hash is not null;
