using Dapper;
using Npgsql;

namespace Rewards.Ledger.Features.Verification;

/// <summary>Members from <see cref="First"/> to <see cref="Last"/> (inclusive, in id order): one slice of a verify pass.</summary>
public sealed record MemberRange(Guid First, Guid Last);

/// <summary>
/// The checks of L18 and L5 as SQL, over the whole ledger or over one <see cref="MemberRange"/>: then every check that
/// belongs to members looks at their accounts, lots, holds and the transactions that touch them, through the indexes
/// on member and account, and the whole-ledger checks (postings whose account or partner does not exist) are left out.
/// </summary>
public static class LedgerChecks
{
    public static async Task<List<Violation>> RunAsync(NpgsqlTransaction tx, ProgramPolicy policy, MemberRange? range, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var violations = new List<Violation>();
        // The whole ledger at once takes minutes at a hundred million postings; a slice takes about a second.
        int? timeout = range is null ? 3600 : null;
        if (range is null)
        {
            var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition("select coalesce(sum(amount), 0)::bigint from postings", transaction: tx, commandTimeout: timeout, cancellationToken: ct));
            if (total != 0) violations.Add(new Violation("postings-sum-to-zero", null, null, $"All postings sum to {total}"));
        }
        violations.AddRange(await conn.QueryAsync<Violation>(new CommandDefinition(Sql(range is not null), new
        {
            expiryMonths = policy.ExpiryMonths, giftMinimumMonths = policy.GiftMinimumMonthsLeft, giftExtensionMonths = policy.GiftExtensionMonths,
            first = range?.First, last = range?.Last,
        }, tx, commandTimeout: timeout, cancellationToken: ct)));
        return violations;
    }

    private static string Sql(bool scoped)
    {
        string In(string column) => scoped ? $"and {column} between @first and @last" : "";
        // A slice reads its members' postings once, through the member accounts' index, and every check uses that.
        var slicePostings = scoped ? """
            with slice_postings as materialized (
                select p.account_id, p.transaction_id, p.lot_id, p.kind, p.amount, p.seq, p.effective_at
                from accounts a
                cross join lateral (select * from postings p where p.account_id = a.id and p.seq is not null) p -- member postings are sequenced
                where a.member_id between @first and @last)
            """ : "";
        var postings = scoped ? "slice_postings" : "postings";
        // Probes by key, whatever the planner guesses of the slice's size: a misguess would scan every posting.
        var transactionTotals = scoped ? """
            (select t.transaction_id, s.total from (select distinct transaction_id from slice_postings) t
             cross join lateral (select sum(amount) as total from postings p where p.transaction_id = t.transaction_id) s)
            """ : "(select transaction_id, sum(amount) as total from postings group by transaction_id)";
        var allocationTotals = scoped ? """
            (select l.id as lot_id, x.points from lots l
             cross join lateral (select sum(points) as points from allocations x where x.lot_id = l.id) x
             where l.member_id between @first and @last)
            """ : "(select lot_id, sum(points) as points from allocations group by lot_id)";
        var wholeLedger = scoped ? "" : """
            union all
            select 'posting-account-exists', p.account_id, null, count(*) || ' postings name account ' || p.account_id || ', which does not exist'
            from postings p where not exists (select 1 from accounts a where a.id = p.account_id) group by p.account_id
            union all
            select 'partner-transaction-partner-exists', null, null,
                   count(*) || ' partner transactions name partner ' || t.partner_id || ', which does not exist'
            from partner_transactions t where not exists (select 1 from partners p where p.id = t.partner_id) group by t.partner_id
            """;
        return $"""
            {slicePostings}
            select 'transaction-balances' as Rule, null::uuid as AccountId, null::uuid as MemberId,
                   'Transaction ' || transaction_id || ' sums to ' || total as Detail
            from {transactionTotals} t where total <> 0
            union all
            select 'balance-equals-postings', a.id, a.member_id,
                   'Balance ' || a.balance || ' but postings sum to ' || coalesce(p.total, 0)
            from accounts a left join (select account_id, sum(amount) as total from {postings} group by account_id) p on p.account_id = a.id
            where a.member_id is not null {In("a.member_id")} and a.balance <> coalesce(p.total, 0)
            union all
            select 'sequence-gap-free', a.id, a.member_id,
                   'Last sequence ' || a.last_seq || ' but ' || coalesce(p.n, 0) || ' postings (max ' || coalesce(p.max_seq, 0) || ')'
            from accounts a
            left join (select account_id, count(*) as n, max(seq) as max_seq from {postings} group by account_id) p on p.account_id = a.id
            where a.member_id is not null {In("a.member_id")} and (a.last_seq <> coalesce(p.n, 0) or a.last_seq <> coalesce(p.max_seq, 0))
            union all
            select 'balance-equals-lots', a.id, a.member_id,
                   a.bucket || ' balance ' || a.balance || ' but lots hold ' || coalesce(l.total, 0)
            from accounts a
            left join (select member_id, channel, status, sum(remaining) as total from lots where true {In("member_id")} group by member_id, channel, status) l
                   on l.member_id = a.member_id and l.channel = a.channel and l.status = a.bucket
            where a.bucket in ('earned', 'pending') {In("a.member_id")} and greatest(a.balance, 0) <> coalesce(l.total, 0)
            union all
            select 'held-equals-open-holds', a.id, a.member_id,
                   'Held balance ' || a.balance || ' but open holds hold ' || coalesce(h.total, 0)
            from accounts a
            left join (select member_id, channel, sum(points) as total from holds where status = 'open' {In("member_id")} group by member_id, channel) h
                   on h.member_id = a.member_id and h.channel = a.channel
            where a.bucket = 'held' {In("a.member_id")} and a.balance <> coalesce(h.total, 0)
            union all
            select 'pending-never-negative', a.id, a.member_id, 'Pending balance ' || a.balance
            from accounts a where a.bucket in ('pending', 'held') {In("a.member_id")} and a.balance < 0
            {wholeLedger}
            union all
            select 'lot-remaining-in-range', null, member_id, 'Lot ' || id || ' has remaining ' || remaining || ' of ' || amount
            from lots where (remaining < 0 or remaining > amount) {In("member_id")}
            union all
            select 'lot-rebuilt-from-ledger', null, l.member_id,
                   'Lot ' || l.id || ' has remaining ' || l.remaining || ' but its allocations and expire postings leave '
                   || (l.amount - coalesce(a.points, 0) - coalesce(e.points, 0))
            from lots l
            left join {allocationTotals} a on a.lot_id = l.id
            left join (select lot_id, -sum(amount) as points from {postings}
                       where kind = 'expire' and seq is not null and lot_id is not null group by lot_id) e on e.lot_id = l.id
            where l.remaining <> l.amount - coalesce(a.points, 0) - coalesce(e.points, 0) {In("l.member_id")}
            union all
            select 'lot-activated-as-posted', null, l.member_id,
                   'Lot ' || l.id || ' was activated at ' || a.effective_at || ' but is ' || l.status || ', earned at ' || coalesce(l.earned_at::text, 'no time')
            from lots l
            join (select lot_id, min(effective_at) as effective_at from {postings}
                  where kind = 'activate' and seq is not null and amount > 0 and lot_id is not null group by lot_id) a on a.lot_id = l.id
            where (l.status = 'pending' or l.earned_at is distinct from a.effective_at) {In("l.member_id")}
            union all
            select 'lot-expires-after-its-earned-date', null, member_id,
                   'Lot ' || id || ' (' || source || ') earned at ' || earned_at || ' expires at ' || coalesce(expires_at::text, 'no time')
                   || ', not ' || @expiryMonths || ' months later'
            from lots
            where origin_lot_id is null and source in ('purchase', 'missed-earning', 'correction') and earned_at is not null {In("member_id")}
              and expires_at is distinct from (earned_at at time zone 'UTC' + make_interval(months => @expiryMonths)) at time zone 'UTC'
            union all
            select 'lot-moved-with-its-dates', null, l.member_id,
                   'Lot ' || l.id || ' (' || l.source || ' of lot ' || o.id || ') earned at ' || coalesce(l.earned_at::text, 'no time')
                   || ', expires at ' || coalesce(l.expires_at::text, 'no time') || '; lot ' || o.id || ' earned at '
                   || coalesce(o.earned_at::text, 'no time') || ', expires at ' || coalesce(o.expires_at::text, 'no time')
            from lots l join lots o on o.id = l.origin_lot_id
            where (l.earned_at is distinct from o.earned_at
               or l.expires_at is distinct from case
                    when l.member_id = o.member_id then o.expires_at -- moved to the member's other channel
                    when o.expires_at < (l.created_at at time zone 'UTC' + make_interval(months => @giftMinimumMonths)) at time zone 'UTC'
                        then (o.expires_at at time zone 'UTC' + make_interval(months => @giftExtensionMonths)) at time zone 'UTC'
                    else o.expires_at end) {In("l.member_id")}
            union all
            select 'lot-moved-with-its-flags', null, l.member_id,
                   'Lot ' || l.id || ' (' || l.source || (case when l.transferable then ', transferable' else '' end) || ') came from lot '
                   || o.id || ' (' || o.source || (case when o.transferable then ', transferable' else '' end) || ')'
            from lots l join lots o on o.id = l.origin_lot_id
            where case when l.member_id <> o.member_id -- a gift (a transfer stays with the member)
                       then l.source <> 'gift' or l.transferable or o.source not in ('purchase', 'missed-earning') or not o.transferable
                       else l.source <> o.source or l.transferable <> o.transferable end {In("l.member_id")}
            union all
            select 'promotion-never-transferable', null, member_id, 'Promotion lot ' || id || ' is transferable'
            from lots where source = 'promotion' and transferable {In("member_id")}
            """;
    }
}
