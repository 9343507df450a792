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

    /// <summary>Throws while OrderPlaced has not arrived yet, so MassTransit retries the message instead of losing the e-mail.</summary>
    public static async Task<Entry> GetAsync(NpgsqlTransaction tx, Guid orderId, CancellationToken ct) =>
        await tx.Connection!.QuerySingleOrDefaultAsync<Entry>(new CommandDefinition(
            "select order_number as OrderNumber, member_id as MemberId, email, name from order_directory where order_id = @orderId",
            new { orderId }, tx, cancellationToken: ct))
        ?? throw new InvalidOperationException($"Order {orderId} is not in the directory yet");
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
        var order = await OrderDirectory.GetAsync(tx, message.OrderId, ct);
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
        var order = await OrderDirectory.GetAsync(tx, message.OrderId, ct);
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
        var order = await OrderDirectory.GetAsync(tx, message.OrderId, ct);
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
