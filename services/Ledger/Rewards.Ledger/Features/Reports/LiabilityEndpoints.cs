using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Reports;

/// <summary>
/// Points the members hold, rolled forward over [from, to): opening + earned + paidOff − clawedBack − redeemed −
/// expired − forfeited = closing. Each figure is the movement on one kind of system account (L1), so the report
/// balances by construction of double entry; <see cref="Pending"/> and <see cref="Held"/> break the closing figure down.
/// </summary>
public sealed record LiabilityReport(
    DateTimeOffset From, DateTimeOffset To, long Opening, long Earned, long PaidOff, long ClawedBack, long Redeemed, long Expired,
    long Forfeited, long Closing, long Pending, long Held, long OutstandingPoints, decimal OutstandingUsd);

public static class LiabilityEndpoints
{
    public static void MapLiability(this IEndpointRouteBuilder app) =>
        app.MapGet("/ops/liability", GetAsync).WithTags("Ops: reports").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Outstanding points and their roll-forward over a date range (by effective date)");

    public static async Task<Results<Ok<LiabilityReport>, ValidationProblem>> GetAsync(
        DateTimeOffset? from, DateTimeOffset? to, NpgsqlDataSource db, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var end = to ?? clock.GetUtcNow();
        var start = from ?? DateTimeOffset.UnixEpoch;
        var errors = new FieldErrors().Require(start <= end, "from", "Not after 'to'.");
        if (errors.Count > 0) return Problems.Validation(errors);

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        // Member accounts' movements seen from the system side: a credit to members is a negative posting there.
        var r = await conn.QuerySingleAsync<Movements>(new CommandDefinition(
            """
            select
              coalesce(-sum(p.amount) filter (where p.effective_at < @start), 0)::bigint as Opening,
              coalesce(-sum(p.amount) filter (where p.effective_at >= @start and p.account_id in (@issuance, @adjustment) and p.amount < 0), 0)::bigint as Earned,
              coalesce(sum(p.amount) filter (where p.effective_at >= @start and p.account_id in (@issuance, @adjustment) and p.amount > 0), 0)::bigint as ClawedBack,
              coalesce(-sum(p.amount) filter (where p.effective_at >= @start and p.account_id = @payoff), 0)::bigint as PaidOff,
              coalesce(sum(p.amount) filter (where p.effective_at >= @start and p.account_id = @redemption), 0)::bigint as Redeemed,
              coalesce(sum(p.amount) filter (where p.effective_at >= @start and p.account_id = @breakage), 0)::bigint as Expired,
              coalesce(sum(p.amount) filter (where p.effective_at >= @start and p.account_id = @forfeiture), 0)::bigint as Forfeited,
              coalesce(-sum(p.amount), 0)::bigint as Closing
            from postings p
            where p.seq is null and p.effective_at < @end
            """,
            new
            {
                start, end, issuance = SystemAccounts.Issuance, adjustment = SystemAccounts.Adjustment, payoff = SystemAccounts.Payoff,
                redemption = SystemAccounts.Redemption, breakage = SystemAccounts.Breakage, forfeiture = SystemAccounts.Forfeiture,
            }, tx, cancellationToken: ct));
        var (pending, held) = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
            """
            select coalesce(sum(p.amount) filter (where a.bucket = 'pending'), 0)::bigint, coalesce(sum(p.amount) filter (where a.bucket = 'held'), 0)::bigint
            from postings p join accounts a on a.id = p.account_id where a.bucket in ('pending', 'held') and p.effective_at < @end
            """, new { end }, tx, cancellationToken: ct));
        return TypedResults.Ok(new LiabilityReport(start, end, r.Opening, r.Earned, r.PaidOff, r.ClawedBack, r.Redeemed, r.Expired, r.Forfeited,
            r.Closing, pending, held, r.Closing, r.Closing * policy.Value.UsdPerPoint));
    }

    private sealed record Movements(long Opening, long Earned, long ClawedBack, long PaidOff, long Redeemed, long Expired, long Forfeited, long Closing);
}
