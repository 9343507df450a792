using Microsoft.Extensions.Options;
using Rewards.Contracts.Orders;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Credits;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>
/// L3/L4: a paid member order credits pending points as a purchase lot in the online account. The credit joins the
/// next batch of <see cref="CreditBatcher"/> together with this message's inbox claim, so a redelivery changes nothing
/// and an order earns once even if its event is published twice under different ids.
/// </summary>
public sealed class OrderPaidConsumer(IServiceProvider services, CreditBatcher credits, IOptions<ProgramPolicy> policy)
    : BatchedInboxConsumer<OrderPaid>(services)
{
    protected override async Task<bool> HandleAsync(OrderPaid message, Inbox.Claim claim, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return true; // guests earn nothing (L3)
        if (message.UsedOtherPromotion && !policy.Value.EarnOnStackedPurchases) return true; // no stacking (L17)
        var points = Domain.Earning.Points(message.AmountPaidUsd, policy.Value.EarnRate * message.EarnMultiplier, policy.Value.UsdPerPoint); // M11: the grade's multiplier
        if (points == 0) return true;

        var outcome = await credits.CreditAsync(new CreditCommand
        {
            MemberId = memberId, Channel = Channel.Online, Points = points, From = new CreditSource.Order(message.OrderId),
            IdempotencyKey = $"order-paid:{message.OrderId}", CausedBy = Actor.System("orders"), EarnedAt = message.PaidAt,
            Pending = new PendingCredit(), // activates 48 h after the order's delivery (L4)
            InboxClaim = claim,
        }, ct);
        return outcome.Status != CreditStatus.AlreadyHandled;
    }
}
