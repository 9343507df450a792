using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>L4: delivery starts the pending clock. Kept even if the order's points are not credited yet.</summary>
public sealed class OrderDeliveredConsumer(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderDelivered>(services)
{
    protected override Task HandleAsync(OrderDelivered message, NpgsqlTransaction tx, CancellationToken ct) =>
        PendingClock.StartAsync(tx, Outbox, Clock, policy.Value, message.OrderId, message.MemberId, message.DeliveredAt, ct);
}

/// <summary>L4: collecting a duty-free order at the airport starts the pending clock like a delivery.</summary>
public sealed class OrderPickedUpConsumer(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderPickedUp>(services)
{
    protected override Task HandleAsync(OrderPickedUp message, NpgsqlTransaction tx, CancellationToken ct) =>
        PendingClock.StartAsync(tx, Outbox, Clock, policy.Value, message.OrderId, message.MemberId, message.PickedUpAt, ct);
}

internal static class PendingClock
{
    public static async Task StartAsync(NpgsqlTransaction tx, ServiceDefaults.Messaging.Outbox outbox, TimeProvider clock, ProgramPolicy policy,
        Guid orderId, Guid? memberId, DateTimeOffset deliveredAt, CancellationToken ct)
    {
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "insert into order_deliveries (order_id, delivered_at) values (@orderId, @deliveredAt) on conflict do nothing",
            new { orderId, deliveredAt }, tx, cancellationToken: ct));
        if (memberId is not { } member) return;

        var session = new LedgerSession(tx, outbox, clock.GetUtcNow());
        await session.LockAsync([(member, Channel.Online)], ct);
        var lot = await session.FindLotAsync(member, Channel.Online, "purchase", orderId.ToString(), ct);
        if (lot is { Status: "pending", ActivateAfter: null })
        {
            lot.ActivateAfter = deliveredAt.AddHours(policy.PendingHours);
            session.Changed(lot);
        }
        await session.SaveAsync(ct);
    }
}
