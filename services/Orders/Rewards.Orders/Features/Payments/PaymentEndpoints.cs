using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Payments;

public sealed record PaymentConfirmation
{
    public required Guid OrderId { get; init; }
    public required decimal Amount { get; init; }
    /// <summary><c>succeeded</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }
}

public sealed record PaymentConfirmationResult(Guid PaymentId, Guid OrderId, string PaymentStatus, string OrderStatus);

public static class PaymentEndpoints
{
    public const string SignatureHeader = "X-Payment-Signature";

    public static void MapPayments(this IEndpointRouteBuilder app) =>
        app.MapPost("/payments/{paymentId:guid}/confirmation", ConfirmAsync).WithExample("""
            {"orderId": "01935f2e-7a10-7cc1-9d4e-3c0f8b6a2d11", "amount": 89.97, "status": "succeeded"}
            """).Refuses(400, "payment-amount-mismatch", "payment-order-mismatch").Refuses(401, "invalid-signature").WithTags("Payments").AllowAnonymous()
            .Accepts<PaymentConfirmation>("application/json") // read raw, to check its signature; described for clients
            .WithSummary("The payment provider's signed callback (O8); a repeat changes nothing");

    public static async Task<Results<Ok<PaymentConfirmationResult>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        Guid paymentId, HttpRequest http, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<PaymentProviderOptions> provider, IOptions<JsonOptions> json, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await http.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > HostingExtensions.MaxRequestBodyBytes)
            return Problems.Of(413, "payload-too-large", "The request body is too large");
        var body = buffer.ToArray();
        if (!SignatureMatches(body, http.Headers[SignatureHeader].ToString(), provider.Value.CallbackSecret))
            return Problems.Of(401, "invalid-signature", "The payment signature does not match");

        PaymentConfirmation? confirmation;
        try { confirmation = JsonSerializer.Deserialize<PaymentConfirmation>(body, json.Value.SerializerOptions); }
        catch (JsonException ex)
        {
            return Problems.Validation(new Dictionary<string, string[]> { [ex.Path ?? "body"] = [ex.Message] });
        }
        if (confirmation is null || confirmation.Status is not ("succeeded" or "failed"))
            return Problems.Validation(new Dictionary<string, string[]> { ["status"] = ["One of: succeeded, failed."] });

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var payment = await conn.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
            """
            select p.id, p.order_id as OrderId, p.amount_usd as AmountUsd, p.status, o.status as OrderStatus
            from payments p join orders o on o.id = p.order_id
            where p.id = @paymentId
            for update of p, o
            """, new { paymentId }, tx, cancellationToken: ct));
        if (payment is null) return Problems.NotFound("No such payment");
        if (payment.OrderId != confirmation.OrderId)
            return Problems.Of(400, "payment-order-mismatch", "The payment belongs to another order");
        if (payment.Status != "pending")
            return TypedResults.Ok(new PaymentConfirmationResult(payment.Id, payment.OrderId, payment.Status, payment.OrderStatus));
        if (confirmation.Status == "failed")
        {
            await conn.ExecuteAsync("update payments set status = 'failed', confirmed_at = @now where id = @paymentId",
                new { paymentId, now }, tx);
            await work.CommitAsync(ct);
            return TypedResults.Ok(new PaymentConfirmationResult(payment.Id, payment.OrderId, "failed", payment.OrderStatus));
        }
        if (confirmation.Amount != payment.AmountUsd)
            return Problems.Of(400, "payment-amount-mismatch", "The paid amount differs from the amount due",
                $"Due {payment.AmountUsd:0.00} USD, confirmed {confirmation.Amount:0.00} USD.");

        await MarkPaidAsync(tx, outbox, payment.OrderId, now, "payment-provider", ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new PaymentConfirmationResult(payment.Id, payment.OrderId, "succeeded", OrderStatus.Processing));
    }

    public static bool SignatureMatches(byte[] body, string signatureHex, string secret)
    {
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        byte[] given;
        try { given = Convert.FromHexString(signatureHex); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>
    /// O8/O9: the order is paid: its payment succeeds, it moves to processing, its points hold is committed (L9) and
    /// OrderPaid goes out, all in the caller's transaction.
    /// </summary>
    public static async Task MarkPaidAsync(NpgsqlTransaction tx, Outbox outbox, Guid orderId, DateTimeOffset now, string actor, CancellationToken ct)
    {
        var conn = tx.Connection!;
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update payments set status = 'succeeded', confirmed_at = @now where order_id = @orderId;
            update orders set paid_at = @now,
                earn_multiplier = coalesce((select t.earn_multiplier from member_tiers t where t.member_id = orders.member_id), 1.0)
            where id = @orderId;
            """, new { orderId, now }, tx, cancellationToken: ct));
        await OrderAccess.RecordStatusAsync(tx, orderId, OrderStatus.Processing, now, actor, ct);
        var order = await conn.QuerySingleAsync<(string OrderNumber, Guid? MemberId, string Email, string Name, decimal Goods, decimal PointsValue, Guid? HoldId, string Method, decimal EarnMultiplier)>(
            new CommandDefinition(
                """
                select order_number, member_id, customer_email, customer_name, goods_usd, points_value_usd, points_hold_id, payment_method,
                       earn_multiplier
                from orders where id = @orderId
                """, new { orderId }, tx, cancellationToken: ct));
        var lines = await conn.QueryAsync<(string Sku, string Name, int Quantity, decimal UnitPrice)>(new CommandDefinition(
            "select sku, name, quantity, unit_price from order_lines where order_id = @orderId order by line_no",
            new { orderId }, tx, cancellationToken: ct));
        if (order.HoldId is { } holdId) await outbox.EnqueueAsync(tx, new CommitPointsHold { HoldId = holdId }, orderId, ct);
        await outbox.EnqueueAsync(tx, new OrderPaid
        {
            OrderId = orderId,
            OrderNumber = order.OrderNumber,
            MemberId = order.MemberId,
            CustomerEmail = order.Email,
            CustomerName = order.Name,
            GoodsUsd = order.Goods,
            // L3 earns on the goods paid with money: not on the share paid with points or gift certificates, nor on
            // shipping and fees.
            AmountPaidUsd = order.Method == "gift-certificate" ? 0m : Math.Max(0m, order.Goods - order.PointsValue),
            Lines = [.. lines.Select(l => new OrderLine { Sku = l.Sku, Name = l.Name, Quantity = l.Quantity, UnitPriceUsd = l.UnitPrice })],
            PaidAt = now,
            EarnMultiplier = order.EarnMultiplier,
        }, orderId, ct);
    }

    private sealed record PaymentRow(Guid Id, Guid OrderId, decimal AmountUsd, string Status, string OrderStatus);
}
