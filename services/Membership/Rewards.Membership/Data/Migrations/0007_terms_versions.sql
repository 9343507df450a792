-- M1/N1: terms versions ops publish ahead of their effective date. The version in force is the latest one whose
-- effective date has come; before any has, the configured Policy:CurrentTermsVersion.
create table terms_versions (
    version         text        primary key,
    effective_from  date        not null,
    url             text        not null,
    summary         text        not null,
    unfavourable    boolean     not null,
    published_at    timestamptz not null,
    published_by    uuid
);
create index terms_versions_effective on terms_versions (effective_from desc);
