using System.Security.Claims;
using Dapper;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Messaging;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Orders.Data;

/// <summary>An order as cancellations and refunds need it, locked for the transaction.</summary>
public sealed record OrderForChange(
    Guid Id, Guid? MemberId, string Status, DateTimeOffset? PaidAt, DateTimeOffset? ShippedAt, DateTimeOffset? DeliveredAt,
    decimal GoodsUsd, decimal AmountDueUsd, decimal RefundedUsd, Guid? PointsHoldId, decimal EarnMultiplier)
{
    public IReadOnlyList<CancellableLine> Lines { get; set; } = [];
}

internal static class OrderAccess
{
    /// <summary>The SKUs of the order's lines, if <paramref name="user"/> may reach the order; empty otherwise.</summary>
    public static async Task<IReadOnlySet<string>> SkusAsync(ServiceDefaults.Data.RequestTransaction work, Guid orderId, ClaimsPrincipal user,
        CancellationToken ct)
    {
        var tx = await work.BeginAsync(ct);
        return (await tx.Connection!.QueryAsync<string>(new CommandDefinition(
            """
            select l.sku from order_lines l join orders o on o.id = l.order_id
            where o.id = @orderId and (@ops or o.member_id = @memberId)
            """, new { orderId, ops = user.IsInRole(AuthExtensions.OpsRole), memberId = user.IsInRole(AuthExtensions.OpsRole) ? (Guid?)null : user.MemberId() },
            tx, cancellationToken: ct))).ToHashSet();
    }

    /// <summary>Locks the order; a member may only reach their own (ops any). Null when there is none to reach.</summary>
    public static async Task<OrderForChange?> LockAsync(NpgsqlTransaction tx, Guid orderId, ClaimsPrincipal user, CancellationToken ct)
    {
        var order = await LockAsync(tx, orderId, ct);
        return order is null || (!user.IsInRole(AuthExtensions.OpsRole) && order.MemberId != user.MemberId()) ? null : order;
    }

    public static async Task<OrderForChange?> LockAsync(NpgsqlTransaction tx, Guid orderId, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var order = await conn.QuerySingleOrDefaultAsync<OrderForChange>(new CommandDefinition(
            """
            select id, member_id as MemberId, status, paid_at as PaidAt, shipped_at as ShippedAt, delivered_at as DeliveredAt,
                   goods_usd as GoodsUsd, amount_due_usd as AmountDueUsd, refunded_usd as RefundedUsd, points_hold_id as PointsHoldId,
                   earn_multiplier as EarnMultiplier
            from orders where id = @orderId for update
            """, new { orderId }, tx, cancellationToken: ct));
        if (order is null) return null;
        order.Lines = [.. await conn.QueryAsync<CancellableLine>(new CommandDefinition(
            "select item_type as ItemType, quantity, broadcast_at as BroadcastAt from order_lines where order_id = @orderId order by line_no",
            new { orderId }, tx, cancellationToken: ct))];
        return order;
    }

    /// <summary>Cancels the order (status, payment, refund record) and announces it; the caller has decided it may.</summary>
    public static async Task<decimal> CancelAsync(NpgsqlTransaction tx, Outbox outbox, OrderForChange order, decimal fee, string actor,
        DateTimeOffset now, CancellationToken ct)
    {
        var wasPaid = order.PaidAt is not null;
        var refund = wasPaid ? Math.Max(0m, order.AmountDueUsd - order.RefundedUsd - fee) : 0m;
        await RecordStatusAsync(tx, order.Id, OrderStatus.Cancelled, now, actor, ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            update orders set cancelled_at = @now, cancellation_fee_usd = @fee where id = @orderId;
            update payments set status = 'cancelled' where order_id = @orderId and status = 'pending';
            """, new { orderId = order.Id, now, fee }, tx, cancellationToken: ct));
        if (refund > 0) await RecordRefundAsync(tx, Guid.CreateVersion7(), order.Id, "cancellation", refund, null, null, actor, now, ct);
        // The Ledger releases the points hold of an unpaid order, and returns the points a paid one was paid with (L9).
        await outbox.EnqueueAsync(tx, new OrderCancelled
        {
            OrderId = order.Id, MemberId = order.MemberId, PointsHoldId = order.PointsHoldId, WasPaid = wasPaid, RefundUsd = refund, At = now,
        }, order.Id, ct);
        return refund;
    }

    /// <summary>Writes the order's lines in the order given (prices already in USD), replacing any it had (O3).</summary>
    public static Task WriteLinesAsync(NpgsqlTransaction tx, Guid orderId, IReadOnlyList<Features.Placing.OrderLineRequest> lines,
        IReadOnlyList<decimal> unitPricesUsd, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            delete from order_lines where order_id = @orderId;
            insert into order_lines (order_id, line_no, sku, name, quantity, unit_price, weight_grams, item_type, broadcast_at)
            select @orderId, n, sku, name, quantity, unit_price, weight_grams, item_type, broadcast_at
            from unnest(@skus, @names, @quantities, @prices, @weights, @types, @broadcasts)
                 with ordinality as l(sku, name, quantity, unit_price, weight_grams, item_type, broadcast_at, n)
            """,
            new
            {
                orderId,
                skus = lines.Select(l => l.Sku).ToArray(),
                names = lines.Select(l => l.Name).ToArray(),
                quantities = lines.Select(l => l.Quantity).ToArray(),
                prices = unitPricesUsd.ToArray(),
                weights = lines.Select(l => l.WeightGrams).ToArray(),
                types = lines.Select(l => l.ItemType).ToArray(),
                broadcasts = lines.Select(l => l.BroadcastAt).ToArray(),
            }, tx, cancellationToken: ct));

    public static string Actor(ClaimsPrincipal user) =>
        user.IsInRole(AuthExtensions.OpsRole) ? $"ops:{user.FindFirstValue("sub")}" : $"member:{user.MemberId()}";

    public static Task RecordStatusAsync(NpgsqlTransaction tx, Guid orderId, string status, DateTimeOffset now, string actor, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            update orders set status = @status where id = @orderId;
            insert into order_status_history (order_id, seq, status, at, actor)
            select @orderId, coalesce(max(seq), 0) + 1, @status, @now, @actor from order_status_history where order_id = @orderId;
            """, new { orderId, status, now, actor }, tx, cancellationToken: ct));

    public static Task RecordRefundAsync(NpgsqlTransaction tx, Guid refundId, Guid orderId, string kind, decimal amount, string? photo,
        object? defects, string actor, DateTimeOffset now, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into refunds (id, order_id, kind, amount_usd, photo_reference, defects, actor, at)
            values (@refundId, @orderId, @kind, @amount, @photo, @defects::jsonb, @actor, @now);
            update orders set refunded_usd = refunded_usd + @amount where id = @orderId;
            """,
            new { refundId, orderId, kind, amount, photo, defects = defects is null ? null : System.Text.Json.JsonSerializer.Serialize(defects), actor, now },
            tx, cancellationToken: ct));
}
