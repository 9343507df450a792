-- L3: no points for purchases made before enrolment. Membership's MemberRegistered records when each member enrolled.
create table member_enrolments (
    member_id     uuid        primary key,
    registered_at timestamptz not null
);
