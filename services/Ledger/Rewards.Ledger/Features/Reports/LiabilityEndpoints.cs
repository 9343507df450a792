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
    private static readonly DateTimeOffset Beginning = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

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
        var before = await LiabilityMonths.OverAsync(tx, Beginning, start, ct);
        var during = await LiabilityMonths.OverAsync(tx, start, end, ct);
        var closing = before.Net + during.Net;
        return TypedResults.Ok(new LiabilityReport(start, end, before.Net, during.Earned, during.PaidOff, during.ClawedBack, during.Redeemed,
            during.Expired, during.Forfeited, closing, before.Pending + during.Pending, before.Held + during.Held, closing,
            closing * policy.Value.UsdPerPoint));
    }
}
