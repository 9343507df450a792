-- L1 at scale: the liability report over years of postings reads whole past months from here (LiabilityMonthsJob
-- writes them) and sums postings only for the rest of its range.
create table liability_months (
    month        date        primary key,
    earned       bigint      not null,
    clawed_back  bigint      not null,
    paid_off     bigint      not null,
    redeemed     bigint      not null,
    expired      bigint      not null,
    forfeited    bigint      not null,
    net          bigint      not null,  -- the change in points members hold: minus the month's system postings
    pending      bigint      not null,  -- the change in pending balances
    held         bigint      not null,  -- the change in held balances
    computed_at  timestamptz not null
);

-- The rest of a report's range is recent: postings arrive roughly in effective_at order, so a block range index
-- finds a month's postings at almost no cost to the writers.
create index postings_effective_brin on postings using brin (effective_at);

-- A posting dated in a month already summed (a late event, an expiry run that was down) reopens that month; the next
-- job run sums it again. The shared lock per month makes the job, which sums a month under the exclusive lock, wait
-- for writers into that month still in flight, and writers wait for the job's commit, so no posting is missed.
create function postings_reopen_months() returns trigger language plpgsql as $$
declare
    m date;
begin
    for m in select distinct date_trunc('month', effective_at at time zone 'UTC')::date from new_postings order by 1 loop
        perform pg_advisory_xact_lock_shared(7341013, (extract(year from m) * 12 + extract(month from m))::int);
        delete from liability_months where month = m;
    end loop;
    return null;
end $$;
create trigger postings_reopen_months after insert on postings referencing new table as new_postings
    for each statement execute function postings_reopen_months();
