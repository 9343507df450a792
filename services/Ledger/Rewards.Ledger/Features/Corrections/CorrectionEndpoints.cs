using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Credits;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Corrections;

public sealed record DebitRequest
{
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    public required long Points { get; init; }
    public required string Reason { get; init; }
    /// <summary>L13: when properly awarded points are cancelled, the compensation of equal value (e.g. a voucher number).</summary>
    public string? CompensationReference { get; init; }
}

public sealed record DebitResult(Guid PostingTransactionId, long BalanceAfter);

public sealed record PayoffRequest
{
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    /// <summary>The amount paid in USD; for a payment in KRW give <see cref="Currency"/> and <see cref="PaidAmount"/> instead.</summary>
    public decimal? PaidUsd { get; init; }
    public required string PaymentReference { get; init; }
    /// <summary>USD (default) or KRW, converted at the rate in force (PUT /ops/exchange-rates/KRW).</summary>
    public string Currency { get; init; } = "USD";
    public decimal? PaidAmount { get; init; }
}

public sealed record PayoffResult(Guid PostingTransactionId, long PointsPaidOff, string Currency, decimal Paid);

public sealed record PromotionRequest
{
    public required string Name { get; init; }
    public required long Points { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required IReadOnlyList<Guid> MemberIds { get; init; }
    [AllowedValues("online", "offline")] public string Channel { get; init; } = Domain.Channel.Online;
}

public sealed record PromotionResult(Guid CampaignId, int Granted, int AlreadyGranted);

/// <summary>L13 debits, L15 payoff and L19 campaigns: ops actions on members' points, each audited with the operator.</summary>
public static class CorrectionEndpoints
{
    private const int MaxCampaignMembers = 10_000;

    public static void MapCorrections(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/ops").WithTags("Ops: accounts").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapPost("/members/{memberId:guid}/debits", DebitAsync).WithExample("""
            {"channel": "online", "points": 500, "reason": "Duplicate promotion"}
            """)
            .WithSummary("Take wrongly earned points back (L13); may leave the balance negative");
        ops.MapPost("/members/{memberId:guid}/payoff", PayoffAsync).WithExample("""
            {"channel": "online", "paidUsd": 3.50, "paymentReference": "BANK-778812"}
            """).Refuses(400, "payoff-amount-mismatch").Refuses(409, "no-negative-balance", "exchange-rate-not-found")
            .WithSummary("Record the payment that clears a negative balance (L15)");
        ops.MapPost("/promotions", PromoteAsync).WithExample("""
            {"name": "Spring 2027", "points": 1000, "expiresAt": "2027-06-30T23:59:59Z", "memberIds": ["01935f2e-1111-7cc1-9d4e-3c0f8b6a2d11"]}
            """)
            .WithSummary("Grant promotion points to a list of members (L19)");
    }

    public static async Task<Results<Created<DebitResult>, ValidationProblem>> DebitAsync(
        Guid memberId, DebitRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock,
        CancellationToken ct)
    {
        var user = context.User;
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.")
            .Require(request.Points is > 0 and <= 100_000_000, "points", "Between 1 and 100,000,000 points.")
            .Require(!string.IsNullOrWhiteSpace(request.Reason), "reason", "A reason is required (it is audited).");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(memberId, request.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var book = session.Book(memberId, request.Channel);
        var reference = $"debit:{Guid.CreateVersion7()}";
        var cause = Actor.Ops(user.FindFirstValue("sub"),
            request.Reason.Trim() + (request.CompensationReference is { } c ? $"; compensated by {c.Trim()}" : ""));
        var (transactionId, _) = session.DebitEarned(book, request.Points, Leg.System(SystemAccounts.Adjustment, request.Points),
            Entry.CorrectionDebit(reference, cause, now), "debit", allowNegative: true);
        session.Publish(new PointsClawedBack
        {
            MemberId = memberId, Channel = request.Channel, Reference = reference, PendingVoided = 0, EarnedClawedBack = request.Points,
            BalanceAfter = book.Earned.Balance, At = now,
        });
        var result = new DebitResult(transactionId, book.Earned.Balance);
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/ops/members/{memberId}/accounts", result);
    }

    public static async Task<Results<Created<PayoffResult>, ValidationProblem, ProblemHttpResult>> PayoffAsync(
        Guid memberId, PayoffRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var usd = request.Currency == "USD";
        var paid = usd ? request.PaidUsd : request.PaidAmount;
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.")
            .Require(request.Currency is "USD" or "KRW", "currency", "USD or KRW.")
            .Require(paid > 0, usd ? "paidUsd" : "paidAmount", usd ? "The amount paid, in USD." : "The amount paid, in KRW.")
            .Require(!string.IsNullOrWhiteSpace(request.PaymentReference), "paymentReference", "The payment's reference.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(memberId, request.Channel)], ct);
        var book = session.Book(memberId, request.Channel);
        var owed = book.Earned.Balance;
        if (owed >= 0)
        {
            return await session.RefuseAsync(
                Problems.Of(409, "no-negative-balance", "Nothing to pay off", $"The {request.Channel} balance is {owed}, not negative."), work, ct);
        }
        decimal due;
        if (usd) due = PointsRules.PayoffUsd(owed, policy.Value.PayoffMinimumUsd, policy.Value.UsdPerPoint);
        else
        {
            var rate = await conn.ExecuteScalarAsync<decimal?>(new CommandDefinition(
                "select usd_per_unit from exchange_rates where currency = @Currency and effective_from <= @now order by effective_from desc limit 1",
                new { request.Currency, now }, tx, cancellationToken: ct));
            if (rate is null)
            {
                return await session.RefuseAsync(
                    Problems.Of(409, "exchange-rate-not-found", "No rate in force", $"No {request.Currency} rate is effective now."), work, ct);
            }
            due = PointsRules.PayoffInCurrency(owed, policy.Value.PayoffMinimumKrw, policy.Value.UsdPerPoint, rate.Value);
        }
        if (paid != due)
        {
            return await session.RefuseAsync(Problems.Of(400, "payoff-amount-mismatch", "The amount does not pay off the balance",
                $"A balance of {owed} points is paid off with {request.Currency} {due:0.##} (L15); {request.Currency} {paid:0.##} was given."),
                work, ct);
        }
        var reference = request.PaymentReference.Trim();
        var transactionId = session.Post(Entry.PayOff(reference, Actor.Ops(context.User.FindFirstValue("sub")), now),
            Leg.System(SystemAccounts.Payoff, owed), Leg.Of(book.Earned, -owed));
        var result = new PayoffResult(transactionId, -owed, request.Currency, due);
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/ops/members/{memberId}/accounts", result);
    }

    public static async Task<Results<Created<PromotionResult>, ValidationProblem>> PromoteAsync(
        PromotionRequest request, ClaimsPrincipal user, CreditBatcher credits, RequestTransaction work, TimeProvider clock,
        [FromHeader(Name = IdempotencyMiddleware.Header)] string? idempotencyKey, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var errors = new FieldErrors()
            .Require(!string.IsNullOrWhiteSpace(request.Name), "name", "The campaign's name (it is the reason on every posting).")
            .Require(request.Points is > 0 and <= 100_000_000, "points", "Between 1 and 100,000,000 points.")
            .Require(request.ExpiresAt > now, "expiresAt", "An expiry date in the future.")
            .Require(request.MemberIds.Count is > 0 and <= MaxCampaignMembers, "memberIds", $"1 to {MaxCampaignMembers:N0} members.")
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.");
        if (errors.Count > 0) return Problems.Validation(errors);

        // The campaign id comes from the Idempotency-Key when there is one, so a retried grant never grants twice.
        var campaignId = idempotencyKey is null ? Guid.CreateVersion7() : DeterministicId(user.FindFirstValue("sub") + "|" + idempotencyKey);
        var campaign = new CreditSource.Campaign(campaignId);
        var outcomes = await Task.WhenAll(request.MemberIds.Distinct().Select(memberId => credits.CreditAsync(new CreditCommand
        {
            MemberId = memberId, Channel = request.Channel, Points = request.Points, From = campaign,
            IdempotencyKey = campaign.Reference, CausedBy = Actor.Ops(user.FindFirstValue("sub"), request.Name.Trim()),
            EarnedAt = now, ExpiresAt = request.ExpiresAt,
        }, ct)));
        await work.CommitAsync(ct); // records the answer to the key: the grants themselves are keyed by the campaign
        return TypedResults.Created("/ops/liability", new PromotionResult(campaignId,
            outcomes.Count(o => o.Status == CreditStatus.Credited), outcomes.Count(o => o.Status == CreditStatus.AlreadyCredited)));
    }

    private static Guid DeterministicId(string text) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
