-- What every signed partner purchase writes, made cheaper.

-- Nonces arrive in time order and are deleted by age only: a BRIN index on seen_at finds the old ones for the cleanup
-- job at almost no cost per request, where a B-tree took an entry per request.
drop index if exists partner_nonces_seen;
create index partner_nonces_seen on partner_nonces using brin (seen_at) with (autosummarize = on);

-- As with postings and accounts (0009): the foreign key made every partner transaction's insert take FOR KEY SHARE on
-- its partner's row, so concurrent batches of one partner's purchases wrote row locks (and multixacts) into that one
-- row. Partners are never removed (the service's role may no longer delete them); /ops/verify reports a partner
-- transaction whose partner does not exist.
alter table partner_transactions drop constraint if exists partner_transactions_partner_id_fkey;
revoke delete, truncate on partners from rewards_ledger_app;
