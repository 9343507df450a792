using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Orders.Domain;
using Rewards.Orders.Data;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Checkout;

/// <summary>
/// L9: the payment arrived after the Ledger had already let the points hold go (it was down, or the payment came very
/// late), so the points were never redeemed. The order was not paid in full: it is cancelled and the money refunded.
/// </summary>
public sealed class CommitRefusedConsumer(IServiceProvider services) : InboxConsumer<PointsHoldReleased>(services)
{
    protected override async Task HandleAsync(PointsHoldReleased message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!message.CommitRefused) return;
        var orderId = await tx.Connection!.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "select id from orders where points_hold_id = @HoldId", new { message.HoldId }, tx, cancellationToken: ct));
        if (orderId is null) return;
        var order = (await OrderAccess.LockAsync(tx, orderId.Value, ct))!;
        if (order.Status is OrderStatus.Cancelled or OrderStatus.Refunded) return;
        await OrderAccess.CancelAsync(tx, Outbox, order, 0m, "system:points-hold-lapsed", Clock.GetUtcNow(), ct);
    }
}
