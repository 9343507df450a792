using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>L3/L4: a paid member order credits pending points as a purchase lot in the online account.</summary>
public sealed class OrderPaidConsumer(IServiceProvider services, IOptions<LedgerPolicy> policy) : InboxConsumer<OrderPaid>(services)
{
    protected override async Task HandleAsync(OrderPaid message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return; // guests earn nothing (L3)
        var points = Domain.Earning.Points(message.AmountPaidUsd, policy.Value.EarnRate);
        if (points == 0) return;

        var now = Clock.GetUtcNow();
        var reference = message.OrderId.ToString();
        var accounts = await LedgerWriter.EnsureAccountsAsync(tx, memberId, Channel.Online, now, ct);
        var deliveredAt = await tx.Connection!.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "select delivered_at from order_deliveries where order_id = @orderId", new { orderId = message.OrderId }, tx, cancellationToken: ct));

        var lotId = Guid.CreateVersion7();
        var inserted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into lots (id, member_id, channel, source, reference, amount, remaining, status, activate_after, transferable, created_at)
            values (@lotId, @memberId, @channel, 'purchase', @reference, @points, @points, 'pending', @activateAfter, true, @now)
            on conflict do nothing
            """,
            new { lotId, memberId, channel = Channel.Online, reference, points, now, activateAfter = deliveredAt?.AddHours(policy.Value.PendingHours) },
            tx, cancellationToken: ct));
        if (inserted == 0) return; // this order already earned (e.g. the event was published twice under different ids)

        await LedgerWriter.PostAsync(tx, new LedgerEntry("earn-pending", reference, $"order-paid:{message.OrderId}", "system:orders",
            now, lotId, [new Leg(SystemAccounts.Issuance, -points, false), new Leg(accounts.Pending, points, true)]), ct);
        await Outbox.EnqueueAsync(tx, new PointsPending
        {
            MemberId = memberId, Channel = Channel.Online, LotId = lotId, Points = points, Reference = reference, At = now,
        }, ct: ct);
    }
}
