using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>L4: delivery starts the pending clock. Kept even if the order's points are not credited yet.</summary>
public sealed class OrderDeliveredConsumer(IServiceProvider services, IOptions<LedgerPolicy> policy) : InboxConsumer<OrderDelivered>(services)
{
    protected override async Task HandleAsync(OrderDelivered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into order_deliveries (order_id, delivered_at) values (@orderId, @deliveredAt) on conflict do nothing;
            update lots set activate_after = @activateAfter
            where source = 'purchase' and reference = @reference and status = 'pending' and activate_after is null;
            """,
            new
            {
                orderId = message.OrderId,
                message.DeliveredAt,
                reference = message.OrderId.ToString(),
                activateAfter = message.DeliveredAt.AddHours(policy.Value.PendingHours),
            }, tx, cancellationToken: ct));
    }
}
