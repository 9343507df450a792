-- L3/M9: problem customers earn nothing while suspended; Membership's MemberSuspended/MemberSuspensionLifted keep this.
create table member_suspensions (
    member_id  uuid        primary key,
    since      timestamptz not null
);
