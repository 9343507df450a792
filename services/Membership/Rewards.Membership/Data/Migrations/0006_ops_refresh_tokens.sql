-- Ops accounts (configured, not members) get refresh tokens too, so the ops console's session can be refreshed:
-- member_id is the token's subject, a member or an ops account.
alter table refresh_tokens drop constraint if exists refresh_tokens_member_id_fkey;
