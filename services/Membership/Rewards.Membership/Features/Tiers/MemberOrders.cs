using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Tiers;

/// <summary>
/// The member's orders as Membership needs them: open ones block withdrawal (M7), paid amounts set the tier (M11).
/// Events may arrive in any order; each fills in what it knows. Guest orders are not kept.
/// </summary>
internal static class MemberOrders
{
    public static Task UpsertAsync(NpgsqlTransaction tx, Guid orderId, Guid memberId, string set, object args, CancellationToken ct)
    {
        var parameters = new DynamicParameters(args);
        parameters.Add("orderId", orderId);
        parameters.Add("memberId", memberId);
        return tx.Connection!.ExecuteAsync(new CommandDefinition(
            $"""
            insert into member_orders (order_id, member_id) values (@orderId, @memberId) on conflict (order_id) do nothing;
            update member_orders set {set} where order_id = @orderId;
            """, parameters, tx, cancellationToken: ct));
    }
}

public sealed class OrderPaidProjection(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderPaid>(services)
{
    protected override async Task HandleAsync(OrderPaid message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return;
        await MemberOrders.UpsertAsync(tx, message.OrderId, memberId, "paid_usd = @AmountPaidUsd, paid_at = @PaidAt",
            new { message.AmountPaidUsd, message.PaidAt }, ct);
        await TierUpdates.RecomputeAsync(tx, Outbox, memberId, policy.Value, Clock.GetUtcNow(), ct);
    }
}

public sealed class OrderDeliveredProjection(IServiceProvider services) : InboxConsumer<OrderDelivered>(services)
{
    protected override Task HandleAsync(OrderDelivered message, NpgsqlTransaction tx, CancellationToken ct) =>
        message.MemberId is { } memberId
            ? MemberOrders.UpsertAsync(tx, message.OrderId, memberId, "closed = 'delivered', closed_at = @DeliveredAt", new { message.DeliveredAt }, ct)
            : Task.CompletedTask;
}

public sealed class OrderPickedUpProjection(IServiceProvider services) : InboxConsumer<OrderPickedUp>(services)
{
    protected override Task HandleAsync(OrderPickedUp message, NpgsqlTransaction tx, CancellationToken ct) =>
        message.MemberId is { } memberId
            ? MemberOrders.UpsertAsync(tx, message.OrderId, memberId, "closed = 'picked-up', closed_at = @PickedUpAt", new { message.PickedUpAt }, ct)
            : Task.CompletedTask;
}

public sealed class OrderCancelledProjection(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderCancelled>(services)
{
    protected override async Task HandleAsync(OrderCancelled message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return;
        await MemberOrders.UpsertAsync(tx, message.OrderId, memberId,
            "closed = 'cancelled', closed_at = @At, refunded_usd = refunded_usd + @RefundUsd", new { message.At, message.RefundUsd }, ct);
        await TierUpdates.RecomputeAsync(tx, Outbox, memberId, policy.Value, Clock.GetUtcNow(), ct);
    }
}

public sealed class OrderRefundedProjection(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderRefunded>(services)
{
    protected override async Task HandleAsync(OrderRefunded message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return;
        await MemberOrders.UpsertAsync(tx, message.OrderId, memberId, "refunded_usd = refunded_usd + @RefundUsd", new { message.RefundUsd }, ct);
        await TierUpdates.RecomputeAsync(tx, Outbox, memberId, policy.Value, Clock.GetUtcNow(), ct);
    }
}
