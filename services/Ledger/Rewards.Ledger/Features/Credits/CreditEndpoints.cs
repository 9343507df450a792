using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Credits;

public sealed record CreditRequest
{
    public required string Channel { get; init; }
    public required long Points { get; init; }
    /// <summary><c>correction</c>, <c>promotion</c> or <c>missed-earning</c>.</summary>
    public required string Kind { get; init; }
    public required string Reason { get; init; }
    /// <summary>Required for promotions (L19); others expire 60 months after their earned date.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Missed earning (L12): the receipt, creditable once.</summary>
    public string? ReceiptReference { get; init; }
    /// <summary>Missed earning (L12): the purchase date the credit is dated from; at most 1 year ago.</summary>
    public DateTimeOffset? PurchasedAt { get; init; }
}

/// <summary><see cref="LotId"/> is null when the whole credit paid down a negative balance (L8).</summary>
public sealed record CreditResult(Guid PostingTransactionId, Guid? LotId, long PaidDebt, long LotPoints);

/// <summary>
/// L12, L13, L19: ops credits. Each is one transaction: debt is paid down first (L8), the rest becomes an earned lot
/// with the kind's expiry and transfer rules. Repeats are made safe by the Idempotency-Key header (and, for missed
/// earnings, by the receipt being creditable only once).
/// </summary>
public static class CreditEndpoints
{
    private static readonly Dictionary<string, LotSource> Kinds = new()
    {
        ["correction"] = LotSource.Correction,
        ["promotion"] = LotSource.Promotion,
        ["missed-earning"] = LotSource.MissedEarning,
    };

    public static void MapCredits(this IEndpointRouteBuilder app) =>
        app.MapPost("/ops/members/{memberId:guid}/credits", CreditAsync).WithTags("Ops: accounts")
            .RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Credit points to a member: correction (L13), promotion (L19) or missed earning (L12)");

    public static async Task<Results<Created<CreditResult>, ValidationProblem, ProblemHttpResult>> CreditAsync(
        Guid memberId, CreditRequest request, ClaimsPrincipal user, NpgsqlDataSource db, Outbox outbox, TimeProvider clock,
        IOptions<LedgerPolicy> policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Kinds.TryGetValue(request.Kind, out var source);
        var missed = request.Kind == "missed-earning";
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.")
            .Require(request.Points is > 0 and <= 100_000_000, "points", "Between 1 and 100,000,000 points.")
            .Require(Kinds.ContainsKey(request.Kind), "kind", "One of: correction, promotion, missed-earning.")
            .Require(!string.IsNullOrWhiteSpace(request.Reason), "reason", "A reason is required (it is audited).")
            .Require(request.Kind != "promotion" || request.ExpiresAt > now, "expiresAt", "A promotion needs an expiry date in the future.")
            .Require(!missed || !string.IsNullOrWhiteSpace(request.ReceiptReference), "receiptReference", "A missed earning needs the receipt reference.")
            .Require(!missed || request.PurchasedAt <= now, "purchasedAt", "A missed earning needs the purchase date (not in the future).");
        if (errors.Count > 0) return Problems.Validation(errors);
        if (missed && request.PurchasedAt < now.AddYears(-1))
            return Problems.Of(409, "missed-earning-too-late", "The receipt is more than 1 year old",
                $"Purchases of {request.PurchasedAt:yyyy-MM-dd} could be credited until {request.PurchasedAt!.Value.AddYears(1):yyyy-MM-dd}.");

        var earnedAt = missed ? request.PurchasedAt!.Value : now;
        var expiresAt = request.ExpiresAt ?? earnedAt.AddMonths(policy.Value.ExpiryMonths);
        var reference = missed ? request.ReceiptReference!.Trim() : $"{request.Kind}:{Guid.CreateVersion7()}";
        var operatorId = user.FindFirstValue("sub");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var accounts = await LedgerWriter.EnsureAccountsAsync(tx, memberId, request.Channel, now, ct);
        var balance = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "select balance from accounts where id = @id for update", new { id = accounts.Earned }, tx, cancellationToken: ct));
        var (paysDebt, lotPoints) = PointsRules.SplitCredit(balance, request.Points);

        Guid? lotId = lotPoints > 0 ? Guid.CreateVersion7() : null;
        if (lotId is not null)
        {
            try
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    insert into lots (id, member_id, channel, source, reference, amount, remaining, status, earned_at, expires_at, transferable, created_at)
                    values (@lotId, @memberId, @channel, @source, @reference, @lotPoints, @lotPoints, 'earned', @earnedAt, @expiresAt, @transferable, @now)
                    """,
                    new
                    {
                        lotId, memberId, channel = request.Channel, source = request.Kind, reference, lotPoints, earnedAt, expiresAt, now,
                        transferable = source != LotSource.Promotion,
                    }, tx, cancellationToken: ct));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && missed)
            {
                return Problems.Of(409, "receipt-already-credited", "This receipt has already been credited",
                    $"Receipt {reference} was credited before; a receipt earns once.");
            }
        }

        var transactionId = await LedgerWriter.PostAsync(tx, new LedgerEntry(request.Kind, reference,
            $"credit:{reference}", $"ops:{operatorId} ({request.Reason.Trim()})", now, lotId,
            [new Leg(request.Kind == "correction" ? SystemAccounts.Adjustment : SystemAccounts.Issuance, -request.Points, false),
             new Leg(accounts.Earned, request.Points, true)]), ct);
        if (lotId is { } id)
        {
            await outbox.EnqueueAsync(tx, new PointsEarned
            {
                MemberId = memberId, Channel = request.Channel, LotId = id, Points = lotPoints, ExpiresAt = expiresAt, At = earnedAt,
            }, ct: ct);
        }
        await tx.CommitAsync(ct);
        outbox.Flush();
        return TypedResults.Created($"/ops/members/{memberId}/accounts", new CreditResult(transactionId, lotId, paysDebt, lotPoints));
    }
}
