using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Mvc;
using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Credits;

public sealed record CreditRequest
{
    /// <summary>The account credited.</summary>
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    /// <summary>A positive number of points.</summary>
    public required long Points { get; init; }
    /// <summary><c>correction</c>, <c>promotion</c> or <c>missed-earning</c>.</summary>
    [AllowedValues("correction", "promotion", "missed-earning")] public required string Kind { get; init; }
    /// <summary>Why, for the audit trail; shown to the member in the statement.</summary>
    public required string Reason { get; init; }
    /// <summary>Required for promotions (L19); others expire 60 months after their earned date.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Missed earning (L12): the receipt, creditable once.</summary>
    public string? ReceiptReference { get; init; }
    /// <summary>Missed earning (L12): the purchase date the credit is dated from; at most 1 year ago.</summary>
    public DateTimeOffset? PurchasedAt { get; init; }
}

/// <summary><see cref="LotId"/> is null when the whole credit paid down a negative balance (L8).</summary>
public sealed record CreditResult(Guid PostingId, Guid PostingTransactionId, Guid? LotId, long PaidDebt, long LotPoints);

/// <summary>
/// L12, L13, L19: ops credits. Each is one transaction: debt is paid down first (L8), the rest becomes an earned lot
/// with the kind's expiry and transfer rules. Repeats are made safe by the Idempotency-Key header (and, for missed
/// earnings, by the receipt being creditable only once). They go through <see cref="CreditBatcher"/>, the path partner
/// purchases use too; the key and the response are recorded in the credit's transaction, so a keyed credit costs no
/// commit of its own. A missed earning dated before the member enrolled is refused (L3).
/// </summary>
public static class CreditEndpoints
{
    private static readonly string[] Kinds = ["correction", "promotion", "missed-earning"];

    public static void MapCredits(this IEndpointRouteBuilder app) =>
        app.MapPost("/ops/members/{memberId:guid}/credits", CreditAsync).WithExample("""
            {"channel": "online", "points": 1200, "kind": "missed-earning", "reason": "Receipt shown at the help desk", "receiptReference": "POS-2027-000123", "purchasedAt": "2027-02-20T14:30:00Z"}
            """).Refuses(409, "receipt-already-credited", "missed-earning-too-late", "purchase-before-enrolment").WithTags("Ops: accounts")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithBatchedIdempotency()
            .WithSummary("Credit points to a member: correction (L13), promotion (L19) or missed earning (L12)");

    public static async Task<Results<Created<CreditResult>, IdempotentReplay, ValidationProblem, ProblemHttpResult>> CreditAsync(
        Guid memberId, CreditRequest request, HttpContext context, CreditBatcher credits, NpgsqlDataSource db, TimeProvider clock,
        IOptions<ProgramPolicy> policy, IOptions<JsonOptions> json, [FromHeader(Name = IdempotencyMiddleware.Header)] string? idempotencyKey,
        CancellationToken ct)
    {
        var user = context.User;
        var claim = IdempotencyRecords.ClaimOf(context);
        var now = clock.GetUtcNow();
        var missed = request.Kind == "missed-earning";
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.")
            .Require(request.Points is > 0 and <= 100_000_000, "points", "Between 1 and 100,000,000 points.")
            .Require(Kinds.Contains(request.Kind), "kind", "One of: correction, promotion, missed-earning.")
            .Require(!string.IsNullOrWhiteSpace(request.Reason), "reason", "A reason is required (it is audited).")
            .Require(request.Kind != "promotion" || request.ExpiresAt > now, "expiresAt", "A promotion needs an expiry date in the future.")
            .Require(request.Kind == "promotion" || request.ExpiresAt is null, "expiresAt",
                $"Only a promotion takes an expiry date; other credits expire {policy.Value.ExpiryMonths} months after their earned date.")
            .Require(!missed || !string.IsNullOrWhiteSpace(request.ReceiptReference), "receiptReference", "A missed earning needs the receipt reference.")
            .Require(!missed || request.PurchasedAt <= now, "purchasedAt", "A missed earning needs the purchase date (not in the future).");
        if (errors.Count > 0) return Problems.Validation(errors);
        if (missed && request.PurchasedAt < now.AddYears(-1))
            return Problems.Of(409, "missed-earning-too-late", "The receipt is more than 1 year old",
                $"Purchases of {request.PurchasedAt:yyyy-MM-dd} could be credited until {request.PurchasedAt!.Value.AddYears(1):yyyy-MM-dd}.");

        if (missed && await EnrolledAtAsync(db, memberId, ct) is { } enrolledAt && request.PurchasedAt < enrolledAt)
            return Problems.Of(409, "purchase-before-enrolment", "The purchase was made before the customer enrolled",
                $"Purchases before {enrolledAt:yyyy-MM-dd HH:mm} UTC, when the member enrolled, earn no points.");

        var earnedAt = missed ? request.PurchasedAt!.Value.ToUniversalTime() : now; // months are counted in UTC, as verify does
        CreditSource from = request.Kind switch
        {
            "missed-earning" => new CreditSource.Receipt(request.ReceiptReference!.Trim()),
            "promotion" => new CreditSource.Campaign(Guid.CreateVersion7()),
            _ => new CreditSource.Correction(Guid.CreateVersion7()),
        };
        var outcome = await credits.CreditAsync(new CreditCommand
        {
            MemberId = memberId, Channel = request.Channel, Points = request.Points, From = from,
            IdempotencyKey = idempotencyKey is null ? $"credit:{from.Reference}" : $"credit:{user.FindFirstValue("sub")}:{idempotencyKey}",
            CausedBy = Actor.Ops(user.FindFirstValue("sub"), request.Reason.Trim()),
            EarnedAt = earnedAt, ExpiresAt = request.ExpiresAt ?? earnedAt.AddMonths(policy.Value.ExpiryMonths),
            Idempotency = claim is null ? null
                : new CreditIdempotency(claim, o => IdempotencyRecords.Response(claim, 201, ResultOf(o), json.Value.SerializerOptions)),
        }, ct);
        if (outcome.Status == CreditStatus.KeyUsedBefore) return new IdempotentReplay(outcome.FirstResponse, claim!);
        if (outcome.Status == CreditStatus.ReceiptAlreadyCredited)
        {
            return Problems.Of(409, "receipt-already-credited", "This receipt has already been credited",
                $"Receipt {from.Reference} was credited before; a receipt earns once.");
        }
        return TypedResults.Created($"/ops/members/{memberId}/accounts", ResultOf(outcome));
    }

    private static CreditResult ResultOf(CreditOutcome o) => new(o.PostingId!.Value, o.TransactionId!.Value, o.LotId, o.PaidDebt, o.LotPoints);

    /// <summary>When the member enrolled, if the Ledger has seen their registration (members from before it have none).</summary>
    private static async Task<DateTimeOffset?> EnrolledAtAsync(NpgsqlDataSource db, Guid memberId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "select registered_at from member_enrolments where member_id = @memberId", new { memberId }, cancellationToken: ct));
    }
}
