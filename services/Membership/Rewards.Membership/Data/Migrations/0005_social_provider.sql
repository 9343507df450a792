-- O8: members who registered through a social network's sign-in; some shops do not let them pay (policy).
alter table members add column social_provider text;
