using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Rewards.Contracts.Partners;
using Rewards.Ledger.Data;
using Rewards.Ledger.Features.Clawback;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Partners;

public sealed record PartnerRefundRequest
{
    /// <summary>The partner's id for this refund, unique per partner.</summary>
    public required string TransactionId { get; init; }
    /// <summary>The purchase refunded.</summary>
    public required string PurchaseTransactionId { get; init; }
    /// <summary>In the purchase's currency; default: all of the purchase not refunded yet.</summary>
    public decimal? Amount { get; init; }
}

public sealed record PartnerRefundResult(string TransactionId, string PurchaseTransactionId, Guid MemberId, decimal Amount, string Currency,
    long PointsTakenBack, long PendingVoided, long EarnedClawedBack, decimal AmountLeft);

/// <summary>
/// L16/L7: a partner refunds all or part of a purchase. The points earned on the refunded amount are taken back by
/// the rules of order refunds: floor of the points earned on that amount (all that is left on a full refund), pending
/// points voided, earned points from the purchase's own lot first, then FIFO, the rest as a negative balance (L8).
/// </summary>
public static class PartnerRefunds
{
    public static async Task<Results<Created<PartnerRefundResult>, ValidationProblem, ProblemHttpResult>> RefundAsync(
        PartnerRefundRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy,
        CancellationToken ct)
    {
        var partner = Partner.Of(context);
        var errors = new FieldErrors().RequireTransactionId(request.TransactionId).RequireTransactionId(request.PurchaseTransactionId, "purchaseTransactionId")
            .Require(request.Amount is null || request.Amount > 0 && request.Amount == decimal.Round(request.Amount.Value, 2), "amount",
                "A positive amount with at most 2 decimals, or none for the whole purchase.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        // Locking the purchase serialises its refunds, so two can never take the same amount.
        var purchase = await PartnerTransactions.FindForUpdateAsync(tx, partner.Id, request.PurchaseTransactionId, "purchase", ct);
        if (purchase is null)
            return Problems.Of(404, "purchase-not-found", "No such purchase", $"There is no purchase '{request.PurchaseTransactionId}' of this partner.");
        var (refunded, taken, _) = await PartnerTransactions.FollowUpsAsync(tx, purchase.Id, "refund", ct);
        var left = purchase.Amount!.Value - refunded;
        var amount = request.Amount ?? left;
        if (amount > left || left == 0)
        {
            return Problems.Of(422, "refund-exceeds-purchase", "The refund is more than what is left of the purchase",
                $"Purchase '{purchase.TransactionId}' was {purchase.Amount} {purchase.Currency}; {left} {purchase.Currency} of it is not refunded yet.");
        }
        var amountUsd = decimal.Round(amount * purchase.AmountUsd!.Value / purchase.Amount.Value, 2);
        var points = amount == left ? purchase.Points - taken
            : Math.Min(Domain.Earning.Points(amountUsd, purchase.EarnRate!.Value, policy.Value.UsdPerPoint), purchase.Points - taken);

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(purchase.MemberId, purchase.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var id = Guid.CreateVersion7();
        var (voided, clawed) = points > 0
            ? await Clawbacks.TakeBackAsync(session, session.Book(purchase.MemberId, purchase.Channel), purchase.Id.ToString(), points, id.ToString(),
                Actor.Partner(partner.Id), ct)
            : (0, 0);
        session.SaveAlso(new PartnerTransaction
        {
            Id = id, PartnerId = partner.Id, TransactionId = request.TransactionId, Kind = "refund", MemberId = purchase.MemberId,
            Channel = purchase.Channel, RelatedId = purchase.Id, Amount = amount, Currency = purchase.Currency, AmountUsd = amountUsd,
            Points = voided + clawed, OccurredAt = now, RecordedAt = now,
        }, PartnerTransactions.InsertCommand);
        session.Publish(new PartnerPurchaseRefunded
        {
            RecordId = id, PartnerId = partner.Id, PartnerName = partner.Name, TransactionId = request.TransactionId, PurchaseTransactionId = purchase.TransactionId,
            MemberId = purchase.MemberId, Channel = purchase.Channel, Amount = amount, Currency = purchase.Currency!, PointsTakenBack = voided + clawed,
            At = now,
        });
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created("/partner/v1/statement", new PartnerRefundResult(request.TransactionId, purchase.TransactionId, purchase.MemberId,
            amount, purchase.Currency!, voided + clawed, voided, clawed, left - amount));
    }
}
