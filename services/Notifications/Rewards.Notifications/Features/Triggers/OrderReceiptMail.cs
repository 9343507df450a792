using System.Globalization;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1: order receipt once the payment is confirmed (members and guests).</summary>
public sealed class OrderReceiptMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderPaid>(services)
{
    public const string Type = "order-receipt";

    protected override async Task HandleAsync(OrderPaid message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await OrderDirectory.RememberAsync(tx, message.OrderId, message.OrderNumber, message.MemberId, message.CustomerEmail, message.CustomerName, ct);
        var lines = string.Join(Environment.NewLine, message.Lines.Select(l =>
            string.Create(CultureInfo.InvariantCulture, $"  {l.Quantity} × {l.Name} ({l.Sku})  USD {l.Quantity * l.UnitPriceUsd:0.00}")));
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, message.MemberId, message.CustomerEmail,
            $"Your order {message.OrderNumber}",
            string.Create(CultureInfo.InvariantCulture, $"""
            Dear {message.CustomerName},

            thank you for your order {message.OrderNumber}. Your payment is confirmed.

            {lines}

            We will let you know when it ships.
            """)), ct);
        mail.Wake();
    }
}
