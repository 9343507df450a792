using System.Globalization;
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
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, message.MemberId, message.CustomerEmail,
            $"We received your order {message.OrderNumber}",
            string.Create(CultureInfo.InvariantCulture, $"""
            Dear {message.CustomerName},

            we received your order {message.OrderNumber}: goods USD {message.GoodsUsd:0.00}, shipping USD {message.ShippingUsd:0.00},
            tracking USD {message.TrackingFeeUsd:0.00}{(message.PointsUsed > 0 ? $", {message.PointsUsed:N0} points" : "")}.
            Amount to pay: USD {message.AmountDueUsd:0.00}.
            """)), ct);
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
            $"Your order {order.OrderNumber} has shipped",
            $"""
            Dear {order.Name},

            your order {order.OrderNumber} has shipped by {message.ShippingMethod}. Tracking number: {message.TrackingNumber}.
            """), ct);
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
        var money = message.RefundUsd > 0
            ? string.Create(CultureInfo.InvariantCulture, $"USD {message.RefundUsd:0.00} will be refunded to your payment method.")
            : "Nothing was charged.";
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, order.MemberId, order.Email,
            $"Your order {order.OrderNumber} is cancelled",
            $"""
            Dear {order.Name},

            your order {order.OrderNumber} is cancelled. {money} Points used for it are back in your account.
            """), ct);
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
            $"Refund for your order {order.OrderNumber}",
            string.Create(CultureInfo.InvariantCulture, $"""
            Dear {order.Name},

            USD {message.RefundUsd:0.00} for your order {order.OrderNumber} will be refunded to your payment method.
            Points earned on that amount are taken back.
            """)), ct);
        mail.Wake();
    }
}
