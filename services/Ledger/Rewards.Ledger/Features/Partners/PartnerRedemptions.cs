using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Rewards.Contracts.Partners;
using Rewards.Ledger.Data;
using Rewards.Ledger.Features.Holds;
using Rewards.Ledger.Features.Spending;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Partners;

public sealed record PartnerRedemptionRequest
{
    /// <summary>The partner's id for this redemption, unique per partner.</summary>
    public required string TransactionId { get; init; }
    /// <summary>The QR token from the member's app (GET /accounts/me/card): spending needs the member present.</summary>
    public required string Member { get; init; }
    /// <summary>Earned points to spend, in units of 10 (L9).</summary>
    public required long Points { get; init; }
}

public sealed record PartnerRedemptionResult(string TransactionId, Guid MemberId, long Points, decimal ValueUsd, long AvailableAfter);

public sealed record PartnerRedemptionCancellationRequest
{
    /// <summary>The partner's id for this cancellation, unique per partner.</summary>
    public required string TransactionId { get; init; }
    /// <summary>The redemption cancelled.</summary>
    public required string RedemptionTransactionId { get; init; }
}

public sealed record PartnerRedemptionCancellationResult(string TransactionId, string RedemptionTransactionId, Guid MemberId, long PointsReturned, long ExpiredAgain);

/// <summary>
/// L16/L9: paying with points at a partner store, and cancelling that. A redemption spends earned points FIFO (L5) from
/// the partner's channel, refused where the partner is excluded from redemption; a cancellation gives them back into
/// the lots they came from, and a lot that expired meanwhile expires again at once.
/// </summary>
public static class PartnerRedemptions
{
    public static async Task<Results<Created<PartnerRedemptionResult>, ValidationProblem, ProblemHttpResult>> RedeemAsync(
        PartnerRedemptionRequest request, HttpContext context, RequestTransaction work, Outbox outbox, PartnerKeys keys, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var partner = Partner.Of(context);
        var errors = new FieldErrors().RequireTransactionId(request.TransactionId)
            .Require(!string.IsNullOrWhiteSpace(request.Member) && request.Member.Length <= 200, "member", "The QR token from the member's app.")
            .Require(request.Points > 0, "points", "A positive number of points.");
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!partner.RedemptionAllowed)
            return Problems.Of(403, "partner-redemption-excluded", "Points cannot be redeemed at this partner", $"{partner.Name} is excluded from redemption (L16).");
        if (SpendRules.UnitRefusal(request.Points, policy.Value.PointsUnit) is { } unit) return unit.ToProblem();

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var member = await MemberCards.ResolveAsync(tx.Connection!, keys, request.Member, now, ct);
        if (member is null) return PartnerProblems.MemberNotFound();
        if (!member.Present)
            return Problems.Of(403, "member-token-required", "Spending points needs the member's QR token",
                "A member id or card number can earn points; to spend them, scan the QR token the member's app shows.");

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(member.MemberId, partner.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var book = session.Book(member.MemberId, partner.Channel);
        if (SpendRules.BalanceRefusal(book, request.Points, book.Available) is { } refusal) return await session.RefuseAsync(refusal.ToProblem(), work, ct);

        var id = Guid.CreateVersion7();
        session.DebitEarned(book, request.Points, Leg.System(SystemAccounts.Redemption, request.Points),
            Entry.PartnerRedeem(id, partner.Id, now), "redeem");
        var valueUsd = request.Points * policy.Value.UsdPerPoint;
        session.SaveAlso(new PartnerTransaction
        {
            Id = id, PartnerId = partner.Id, TransactionId = request.TransactionId, Kind = "redemption", MemberId = member.MemberId,
            Channel = partner.Channel, Currency = "USD", AmountUsd = valueUsd, Points = request.Points, OccurredAt = now, RecordedAt = now,
        }, PartnerTransactions.InsertCommand);
        session.Publish(new PartnerRedemptionMade
        {
            RecordId = id, PartnerId = partner.Id, PartnerName = partner.Name, TransactionId = request.TransactionId, MemberId = member.MemberId,
            Channel = partner.Channel, Points = request.Points, ValueUsd = valueUsd, At = now,
        });
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created("/partner/v1/statement",
            new PartnerRedemptionResult(request.TransactionId, member.MemberId, request.Points, valueUsd, book.Available));
    }

    public static async Task<Results<Created<PartnerRedemptionCancellationResult>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        PartnerRedemptionCancellationRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var partner = Partner.Of(context);
        var errors = new FieldErrors().RequireTransactionId(request.TransactionId)
            .RequireTransactionId(request.RedemptionTransactionId, "redemptionTransactionId");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var redemption = await PartnerTransactions.FindForUpdateAsync(tx, partner.Id, request.RedemptionTransactionId, "redemption", ct);
        if (redemption is null)
            return Problems.Of(404, "redemption-not-found", "No such redemption", $"There is no redemption '{request.RedemptionTransactionId}' of this partner.");
        if ((await PartnerTransactions.FollowUpsAsync(tx, redemption.Id, "redemption-cancellation", ct)).Count > 0)
            return Problems.Of(409, "redemption-already-cancelled", "The redemption was cancelled before", $"'{redemption.TransactionId}' is already cancelled.");

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(redemption.MemberId, redemption.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var book = session.Book(redemption.MemberId, redemption.Channel);
        var id = Guid.CreateVersion7();
        var outstanding = await CheckoutHolds.OutstandingAsync(session, redemption.Id.ToString(), ct);
        var points = outstanding.Sum(o => o.Points);
        var expiredAgain = session.ReturnToLots(book, Leg.System(SystemAccounts.Redemption, -points),
            Entry.GiveBack(redemption.Id.ToString(), id.ToString(), Actor.Partner(partner.Id), now), outstanding, "return");
        session.SaveAlso(new PartnerTransaction
        {
            Id = id, PartnerId = partner.Id, TransactionId = request.TransactionId, Kind = "redemption-cancellation", MemberId = redemption.MemberId,
            Channel = redemption.Channel, RelatedId = redemption.Id, Currency = "USD", AmountUsd = redemption.AmountUsd, Points = points,
            OccurredAt = now, RecordedAt = now,
        }, PartnerTransactions.InsertCommand);
        session.Publish(new PartnerRedemptionCancelled
        {
            RecordId = id, PartnerId = partner.Id, PartnerName = partner.Name, TransactionId = request.TransactionId, RedemptionTransactionId = redemption.TransactionId,
            MemberId = redemption.MemberId, Channel = redemption.Channel, PointsReturned = points, ExpiredAgain = expiredAgain, At = now,
        });
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created("/partner/v1/statement",
            new PartnerRedemptionCancellationResult(request.TransactionId, redemption.TransactionId, redemption.MemberId, points, expiredAgain));
    }
}
