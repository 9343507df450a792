using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1: the payment is confirmed, with the order's lines (members and guests).</summary>
public sealed class PaymentConfirmedMail(IServiceProvider services, Mailbox mail) : InboxConsumer<OrderPaid>(services)
{
    public const string Type = "payment-confirmed";

    protected override async Task HandleAsync(OrderPaid message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await OrderDirectory.RememberAsync(tx, message.OrderId, message.OrderNumber, message.MemberId, message.CustomerEmail, message.CustomerName, ct);
        await mail.EnqueueAsync(tx, new Mail(message.OrderId, Type, message.MemberId, message.CustomerEmail, new
        {
            Name = message.CustomerName, message.OrderNumber,
            Lines = message.Lines.Select(l => new { l.Quantity, l.Name, l.Sku, Amount = MailFormat.Usd(l.Quantity * l.UnitPriceUsd) }).ToList(),
        }), ct);
        mail.Wake();
    }
}
