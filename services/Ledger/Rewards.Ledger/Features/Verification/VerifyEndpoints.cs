using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Verification;

public sealed record Violation(string Rule, Guid? AccountId, Guid? MemberId, string Detail);

public sealed record VerifyReport(bool Ok, long AccountsChecked, IReadOnlyList<Violation> Violations);

/// <summary>
/// L18: the ledger's invariants, checked over every account; and L5: every lot's remaining is what its amount less its
/// allocations (points taken, given back, voided, forfeited, paid to debt) and its expire postings leave.
/// </summary>
public static class VerifyEndpoints
{
    public static void MapVerification(this IEndpointRouteBuilder app) =>
        app.MapGet("/ops/verify", VerifyAsync).WithTags("Ops: integrity").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Check L18 over all accounts and report every violation");

    public static async Task<Ok<VerifyReport>> VerifyAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var violations = new List<Violation>();

        var total = await conn.ExecuteScalarAsync<long>("select coalesce(sum(amount), 0)::bigint from postings", transaction: tx);
        if (total != 0) violations.Add(new Violation("postings-sum-to-zero", null, null, $"All postings sum to {total}"));

        violations.AddRange(await conn.QueryAsync<Violation>(new CommandDefinition(
            """
            select 'transaction-balances' as Rule, null::uuid as AccountId, null::uuid as MemberId,
                   'Transaction ' || transaction_id || ' sums to ' || sum(amount) as Detail
            from postings group by transaction_id having sum(amount) <> 0
            union all
            select 'balance-equals-postings', a.id, a.member_id,
                   'Balance ' || a.balance || ' but postings sum to ' || coalesce(p.total, 0)
            from accounts a left join (select account_id, sum(amount) as total from postings group by account_id) p on p.account_id = a.id
            where a.member_id is not null and a.balance <> coalesce(p.total, 0)
            union all
            select 'sequence-gap-free', a.id, a.member_id,
                   'Last sequence ' || a.last_seq || ' but ' || coalesce(p.n, 0) || ' postings (max ' || coalesce(p.max_seq, 0) || ')'
            from accounts a left join (select account_id, count(*) as n, max(seq) as max_seq from postings group by account_id) p on p.account_id = a.id
            where a.member_id is not null and (a.last_seq <> coalesce(p.n, 0) or a.last_seq <> coalesce(p.max_seq, 0))
            union all
            select 'balance-equals-lots', a.id, a.member_id,
                   a.bucket || ' balance ' || a.balance || ' but lots hold ' || coalesce(l.total, 0)
            from accounts a
            left join (select member_id, channel, status, sum(remaining) as total from lots group by member_id, channel, status) l
                   on l.member_id = a.member_id and l.channel = a.channel and l.status = a.bucket
            where a.bucket in ('earned', 'pending') and greatest(a.balance, 0) <> coalesce(l.total, 0)
            union all
            select 'held-equals-open-holds', a.id, a.member_id,
                   'Held balance ' || a.balance || ' but open holds hold ' || coalesce(h.total, 0)
            from accounts a
            left join (select member_id, channel, sum(points) as total from holds where status = 'open' group by member_id, channel) h
                   on h.member_id = a.member_id and h.channel = a.channel
            where a.bucket = 'held' and a.balance <> coalesce(h.total, 0)
            union all
            select 'pending-never-negative', a.id, a.member_id, 'Pending balance ' || a.balance
            from accounts a where a.bucket in ('pending', 'held') and a.balance < 0
            union all
            select 'posting-account-exists', p.account_id, null, count(*) || ' postings name account ' || p.account_id || ', which does not exist'
            from postings p where not exists (select 1 from accounts a where a.id = p.account_id) group by p.account_id
            union all
            select 'lot-remaining-in-range', null, member_id, 'Lot ' || id || ' has remaining ' || remaining || ' of ' || amount
            from lots where remaining < 0 or remaining > amount
            union all
            select 'lot-rebuilt-from-ledger', null, l.member_id,
                   'Lot ' || l.id || ' has remaining ' || l.remaining || ' but its allocations and expire postings leave '
                   || (l.amount - coalesce(a.points, 0) - coalesce(e.points, 0))
            from lots l
            left join (select lot_id, sum(points) as points from allocations group by lot_id) a on a.lot_id = l.id
            left join (select lot_id, -sum(amount) as points from postings
                       where kind = 'expire' and seq is not null and lot_id is not null group by lot_id) e on e.lot_id = l.id
            where l.remaining <> l.amount - coalesce(a.points, 0) - coalesce(e.points, 0)
            """, transaction: tx, cancellationToken: ct)));

        var accounts = await conn.ExecuteScalarAsync<long>("select count(*) from accounts", transaction: tx);
        return TypedResults.Ok(new VerifyReport(violations.Count == 0, accounts, violations));
    }
}
