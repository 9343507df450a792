using Dapper;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

internal static class OrderDirectory
{
    public sealed record Entry(string OrderNumber, Guid? MemberId, string Email, string Name);

    public static Task RememberAsync(NpgsqlTransaction tx, Guid orderId, string orderNumber, Guid? memberId, string email, string name, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into order_directory (order_id, order_number, member_id, email, name) values (@orderId, @orderNumber, @memberId, @email, @name)
            on conflict (order_id) do nothing
            """, new { orderId, orderNumber, memberId, email, name }, tx, cancellationToken: ct));

    /// <summary>
    /// Where to write about the order; null when its member was erased. Throws while OrderPlaced has not arrived yet, so
    /// MassTransit retries the message instead of losing the e-mail.
    /// </summary>
    public static async Task<Entry?> FindAsync(NpgsqlTransaction tx, Guid orderId, CancellationToken ct)
    {
        var found = await tx.Connection!.QuerySingleOrDefaultAsync<(string OrderNumber, Guid? MemberId, string Email, string Name, bool Erased)?>(
            new CommandDefinition(
                """
                select o.order_number, o.member_id, o.email, o.name, exists (select 1 from erased_members e where e.member_id = o.member_id)
                from order_directory o where o.order_id = @orderId
                """, new { orderId }, tx, cancellationToken: ct))
            ?? throw new InvalidOperationException($"Order {orderId} is not in the directory yet");
        return found.Erased ? null : new Entry(found.OrderNumber, found.MemberId, found.Email, found.Name);
    }
}

/// <summary>N1: the order was received (it waits for payment, or was paid in full with points).</summary>
public sealed class OrderReceivedMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderPlaced>(services)
{
    public const string Type = "order-received";

    protected override async Task HandleAsync(OrderPlaced message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await OrderDirectory.RememberAsync(tx, message.OrderId, message.OrderNumber, message.MemberId, message.CustomerEmail, message.CustomerName, ct);
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, message.MemberId, message.CustomerEmail, new
        {
            Name = message.CustomerName, message.OrderNumber, Goods = MailFormat.Usd(message.GoodsUsd), Shipping = MailFormat.Usd(message.ShippingUsd),
            TrackingFee = MailFormat.Usd(message.TrackingFeeUsd), message.PointsUsed, Points = MailFormat.Points(message.PointsUsed),
            AmountDue = MailFormat.Usd(message.AmountDueUsd),
        }), ct);
        mail.Wake();
    }
}

/// <summary>N1: the parcel is on its way, with its tracking number.</summary>
public sealed class OrderShippedMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderShipped>(services)
{
    public const string Type = "order-shipped";

    protected override async Task HandleAsync(OrderShipped message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await OrderDirectory.FindAsync(tx, message.OrderId, ct) is not { } order)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, order.MemberId, order.Email,
            new { order.Name, order.OrderNumber, message.ShippingMethod, message.TrackingNumber }), ct);
        mail.Wake();
    }
}

/// <summary>N1: the order was cancelled, with what is refunded.</summary>
public sealed class OrderCancelledMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderCancelled>(services)
{
    public const string Type = "order-cancelled";

    protected override async Task HandleAsync(OrderCancelled message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await OrderDirectory.FindAsync(tx, message.OrderId, ct) is not { } order)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, order.MemberId, order.Email,
            new { order.Name, order.OrderNumber, Refund = message.RefundUsd > 0 ? MailFormat.Usd(message.RefundUsd) : null }), ct);
        mail.Wake();
    }
}

/// <summary>N1: money went back for a delivered order (a defect, or a parcel that never arrived).</summary>
public sealed class OrderRefundedMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderRefunded>(services)
{
    public const string Type = "order-refunded";

    protected override async Task HandleAsync(OrderRefunded message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await OrderDirectory.FindAsync(tx, message.OrderId, ct) is not { } order)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.RefundId, Type, order.MemberId, order.Email,
            new { order.Name, order.OrderNumber, Refund = MailFormat.Usd(message.RefundUsd) }), ct);
        mail.Wake();
    }
}
