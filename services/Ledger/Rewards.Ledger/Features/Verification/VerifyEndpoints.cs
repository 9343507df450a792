using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Verification;

public sealed record Violation(string Rule, Guid? AccountId, Guid? MemberId, string Detail);

public sealed record VerifyReport(bool Ok, long AccountsChecked, IReadOnlyList<Violation> Violations);

/// <summary>
/// L18: the ledger's invariants, checked over every account; and L5: every lot's remaining is what its amount less its
/// allocations (points taken, given back, voided, forfeited, paid to debt) and its expire postings leave, and its dates
/// and flags are what its activation posting (L4, L6) or the lot it was gifted or moved from (L10, L11) make them.
/// </summary>
public static class VerifyEndpoints
{
    public static void MapVerification(this IEndpointRouteBuilder app) =>
        app.MapGet("/ops/verify", async (LedgerVerifier verifier, CancellationToken ct) => TypedResults.Ok(await verifier.VerifyAsync(ct)))
            .WithTags("Ops: integrity").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Check L18 over all accounts and report every violation");
}

/// <summary>
/// Runs the checks (for GET /ops/verify and the <c>verify</c> job) and keeps the last outcome as metrics:
/// <c>rewards_ledger_verify_violations</c> and <c>rewards_ledger_verify_accounts</c>, for the alert on a broken ledger.
/// </summary>
public sealed class LedgerVerifier
{
    private readonly NpgsqlDataSource _db;
    private readonly IOptions<ProgramPolicy> _policy;
    private VerifyReport? _last;

    public LedgerVerifier(NpgsqlDataSource db, IOptions<ProgramPolicy> policy, IMeterFactory meters)
    {
        _db = db;
        _policy = policy;
        var meter = meters.Create("Rewards.Ledger");
        meter.CreateObservableGauge("rewards.ledger.verify.violations", () => Observed(r => r.Violations.Count), "{violation}",
            "Violations found by the last verification (GET /ops/verify or the verify job)");
        meter.CreateObservableGauge("rewards.ledger.verify.accounts", () => Observed(r => r.AccountsChecked), "{account}",
            "Accounts checked by the last verification");
    }

    public async Task<VerifyReport> VerifyAsync(CancellationToken ct)
    {
        var report = await CheckAsync(ct);
        _last = report;
        return report;
    }

    /// <summary>Nothing before the first verification since the process started: no figure rather than a false zero.</summary>
    private IEnumerable<Measurement<long>> Observed(Func<VerifyReport, long> value) =>
        _last is { } last ? [new Measurement<long>(value(last))] : [];

    private async Task<VerifyReport> CheckAsync(CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
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
            select 'partner-transaction-partner-exists', null, null,
                   count(*) || ' partner transactions name partner ' || t.partner_id || ', which does not exist'
            from partner_transactions t where not exists (select 1 from partners p where p.id = t.partner_id) group by t.partner_id
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
            union all
            select 'lot-activated-as-posted', null, l.member_id,
                   'Lot ' || l.id || ' was activated at ' || a.effective_at || ' but is ' || l.status || ', earned at ' || coalesce(l.earned_at::text, 'no time')
            from lots l
            join (select lot_id, min(effective_at) as effective_at from postings
                  where kind = 'activate' and seq is not null and amount > 0 and lot_id is not null group by lot_id) a on a.lot_id = l.id
            where l.status = 'pending' or l.earned_at is distinct from a.effective_at
            union all
            select 'lot-expires-after-its-earned-date', null, member_id,
                   'Lot ' || id || ' (' || source || ') earned at ' || earned_at || ' expires at ' || coalesce(expires_at::text, 'no time')
                   || ', not ' || @expiryMonths || ' months later'
            from lots
            where origin_lot_id is null and source in ('purchase', 'missed-earning', 'correction') and earned_at is not null
              and expires_at is distinct from (earned_at at time zone 'UTC' + make_interval(months => @expiryMonths)) at time zone 'UTC'
            union all
            select 'lot-moved-with-its-dates', null, l.member_id,
                   'Lot ' || l.id || ' (' || l.source || ' of lot ' || o.id || ') earned at ' || coalesce(l.earned_at::text, 'no time')
                   || ', expires at ' || coalesce(l.expires_at::text, 'no time') || '; lot ' || o.id || ' earned at '
                   || coalesce(o.earned_at::text, 'no time') || ', expires at ' || coalesce(o.expires_at::text, 'no time')
            from lots l join lots o on o.id = l.origin_lot_id
            where l.earned_at is distinct from o.earned_at
               or l.expires_at is distinct from case
                    when l.member_id = o.member_id then o.expires_at -- moved to the member's other channel
                    when o.expires_at < (l.created_at at time zone 'UTC' + make_interval(months => @giftMinimumMonths)) at time zone 'UTC'
                        then (o.expires_at at time zone 'UTC' + make_interval(months => @giftExtensionMonths)) at time zone 'UTC'
                    else o.expires_at end
            union all
            select 'lot-moved-with-its-flags', null, l.member_id,
                   'Lot ' || l.id || ' (' || l.source || (case when l.transferable then ', transferable' else '' end) || ') came from lot '
                   || o.id || ' (' || o.source || (case when o.transferable then ', transferable' else '' end) || ')'
            from lots l join lots o on o.id = l.origin_lot_id
            where case when l.member_id <> o.member_id -- a gift (a transfer stays with the member)
                       then l.source <> 'gift' or l.transferable or o.source not in ('purchase', 'missed-earning') or not o.transferable
                       else l.source <> o.source or l.transferable <> o.transferable end
            union all
            select 'promotion-never-transferable', null, member_id, 'Promotion lot ' || id || ' is transferable'
            from lots where source = 'promotion' and transferable
            """, new
            {
                expiryMonths = _policy.Value.ExpiryMonths, giftMinimumMonths = _policy.Value.GiftMinimumMonthsLeft,
                giftExtensionMonths = _policy.Value.GiftExtensionMonths,
            }, transaction: tx, cancellationToken: ct)));

        var accounts = await conn.ExecuteScalarAsync<long>("select count(*) from accounts", transaction: tx);
        return new VerifyReport(violations.Count == 0, accounts, violations);
    }
}

/// <summary>L18 checked on a schedule, so a broken ledger is noticed (metric and alert) without anybody asking.</summary>
public sealed class VerifyJob(LedgerVerifier verifier) : IClockJob
{
    public string Name => "verify";
    public TimeSpan Interval => TimeSpan.FromHours(6);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var report = await verifier.VerifyAsync(ct);
        return new JobResult($"{report.AccountsChecked} accounts checked, {report.Violations.Count} violations", report.AccountsChecked);
    }
}
