-- M9: problem customers may not buy; Membership's MemberSuspended / MemberSuspensionLifted keep this.
create table suspended_members (
    member_id  uuid        primary key,
    since      timestamptz not null
);
