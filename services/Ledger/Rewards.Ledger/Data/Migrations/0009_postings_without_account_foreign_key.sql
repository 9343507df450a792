-- System accounts are not locked on the hot path. The foreign key from postings to accounts did lock them: every
-- posting's insert took FOR KEY SHARE on its account row, so each issuance or breakage posting wrote a row lock (and,
-- with concurrent writers, a new multixact) into the same system account row. Accounts are never removed (the
-- service's role may no longer delete them), and /ops/verify reports any posting whose account does not exist.
alter table postings drop constraint if exists postings_account_id_fkey;
revoke delete, truncate on accounts from rewards_ledger_app;
