using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.Orders.Features.Payments;
using Rewards.Orders.Features.Placing;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Amendment;

/// <summary>The shipping object of a new order; each field may be left out to keep it.</summary>
public sealed record AmendShippingRequest
{
    public string? Country { get; init; }
    /// <summary>standard or ems; ignored for a duty-free order (picked up at the airport).</summary>
    public string? Method { get; init; }
    public string? Address { get; init; }
}

/// <summary>
/// What to change (O3): the lines (all of them, as when placing; prices in the order's currency) and the
/// <see cref="Shipping"/> object, each left out to keep it. <see cref="ShippingAddress"/> is the first shape of an
/// address change, still accepted.
/// </summary>
public sealed record AmendOrderRequest
{
    public AmendShippingRequest? Shipping { get; init; }
    public IReadOnlyList<OrderLineRequest>? Lines { get; init; }
    public string? ShippingAddress { get; init; }
}

/// <summary>The order after the change: its totals, and what goes back to the payer when a paid order now costs less.</summary>
public sealed record AmendmentResult(Guid OrderId, string Status, string ShippingAddress)
{
    public OrderTotals? Totals { get; init; }
    public decimal RefundAmount { get; init; }
}

/// <summary>O3: an order can be changed only while it is being processed (before it is packed); totals, shipping and points follow.</summary>
public static class AmendmentEndpoints
{
    public static void MapAmendment(this IEndpointRouteBuilder app) =>
        app.MapPatch("/orders/{orderId:guid}", AmendAsync).WithExample("""
            {"lines": [{"sku": "KPOP-ALB-7", "name": "Album, limited edition", "quantity": 1, "unitPrice": 24.99, "weightGrams": 350, "itemType": "normal"}], "shipping": {"country": "US", "method": "ems", "address": "1 Main St, Springfield, IL 62701"}}
            """).Refuses(409, "order-not-amendable").Refuses(422, "amendment-not-supported", "amendment-raises-amount-due", "group-order-use-help-desk").WithTags("Orders").RequireAuthorization()
            .WithSummary("Change the lines or the shipping while the order is processing (O3)")
            .WithDescription("Totals and shipping are recomputed (O6). An unpaid order owes the new amount; a paid one that now costs less is "
                + "refunded the difference and the points earned on it are taken back (L7); one that would cost more is refused (422 "
                + "amendment-raises-amount-due). The lines of a duty-free order cannot change (422 amendment-not-supported).");

    private sealed record CurrentOrder(string ShippingCountry, string ShippingMethod, string ShippingAddress, decimal? UsdPerUnit, decimal PointsValueUsd,
        long PointsUsed, bool DutyFree, decimal ShippingUsd, decimal TrackingFeeUsd);

    public static async Task<Results<Ok<AmendmentResult>, ValidationProblem, ProblemHttpResult>> AmendAsync(
        Guid orderId, AmendOrderRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var address = (request.Shipping?.Address ?? request.ShippingAddress)?.Trim();
        var errors = new FieldErrors()
            .Require(address is null || address.Length is >= 1 and <= 500, "shipping.address", "An address of 1 to 500 characters.")
            .Require(request.Shipping?.Country is null || request.Shipping.Country.Trim().Length == 2, "shipping.country", "An ISO 3166 two-letter country code.")
            .Require(request.Lines is null || request.Lines.Count > 0, "lines", "An order needs at least one line.")
            .Require(request.Lines is not null || request.Shipping is not null || request.ShippingAddress is not null, "", "Nothing to change: send lines or shipping.");
        if (request.Lines is not null) PlaceOrderValidation.CheckLines(errors, request.Lines);
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status is not (OrderStatus.PendingPayment or OrderStatus.Processing))
            return Problems.Of(409, "order-not-amendable", "The order can no longer be changed",
                $"Orders can be changed only while processing; this one is {order.Status}.");
        var current = await conn.QuerySingleAsync<CurrentOrder>(new CommandDefinition(
            """
            select shipping_country as ShippingCountry, shipping_method as ShippingMethod, shipping_address as ShippingAddress, usd_per_unit as UsdPerUnit,
                   points_value_usd as PointsValueUsd, points_used as PointsUsed, duty_free as DutyFree, shipping_usd as ShippingUsd,
                   tracking_fee_usd as TrackingFeeUsd
            from orders where id = @orderId
            """, new { orderId }, tx, cancellationToken: ct));
        if (current.DutyFree && request.Lines is not null)
            return Problems.Of(422, "amendment-not-supported", "A duty-free order's lines cannot change",
                "Duty-free goods are checked against the departure's limit and the buyer's age when ordered; cancel the order (free while it is processing) and order again.");

        var country = request.Shipping?.Country?.Trim().ToUpperInvariant() ?? current.ShippingCountry;
        var requestedMethod = request.Shipping?.Method?.Trim().ToLowerInvariant() ?? current.ShippingMethod;
        if (!current.DutyFree && requestedMethod is not (Shipping.Standard or Shipping.Ems))
            return Problems.Validation(new FieldErrors().Require(false, "shipping.method", $"One of: {Shipping.Standard}, {Shipping.Ems}."));
        // The lines as they will be, with their weights (kept ones from the order, in USD already).
        var changed = request.Lines is null
            ? (await conn.QueryAsync<KeptLine>(new CommandDefinition(
                "select sku, name, quantity, unit_price as UnitPriceUsd, weight_grams as WeightGrams from order_lines where order_id = @orderId order by line_no",
                new { orderId }, tx, cancellationToken: ct)))
                .Select(k => (Line: new OrderLine { Sku = k.Sku, Name = k.Name, Quantity = k.Quantity, UnitPriceUsd = k.UnitPriceUsd }, k.WeightGrams)).ToList()
            : [.. request.Lines.Select(l => (Line: new OrderLine { Sku = l.Sku, Name = l.Name, Quantity = l.Quantity, UnitPriceUsd = Usd(l.UnitPrice, current.UsdPerUnit) }, l.WeightGrams))];
        var lines = changed.Select(c => c.Line).ToList();
        var weight = changed.Sum(c => (long)c.Line.Quantity * c.WeightGrams);
        if (lines.Sum(l => (long)l.Quantity) > policy.Value.MaxItemsPerOrder)
            return Problems.Of(422, "group-order-use-help-desk", "Group orders go through the help desk",
                $"An order may hold at most {policy.Value.MaxItemsPerOrder} items. Please contact the help desk.");

        var goods = lines.Sum(l => l.Quantity * l.UnitPriceUsd);
        if (goods < current.PointsValueUsd)
            return Problems.Validation(new FieldErrors().Require(false, "lines",
                $"Points paid USD {current.PointsValueUsd:0.00} of the goods; the changed lines must come to at least that."));
        var quote = current.DutyFree
            ? new ShippingQuote(Shipping.AirportPickup, 0m, 0m)
            : Shipping.Quote(goods, weight, country, requestedMethod, policy.Value);
        var newAmountDue = goods + quote.ShippingUsd + quote.TrackingFeeUsd - current.PointsValueUsd;
        var money = Domain.Amendment.Settle(order.PaidAt is not null, order.AmountDueUsd, order.RefundedUsd, newAmountDue);
        if (money.Refusal is { } refusal) return Problems.Of(422, "amendment-raises-amount-due", "The change costs more than was paid", refusal);

        address ??= current.ShippingAddress;
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update orders set shipping_address = @address, shipping_country = @country, shipping_method = @method, goods_usd = @goods,
                              shipping_usd = @shipping, tracking_fee_usd = @trackingFee, amount_due_usd = @amountDue
            where id = @orderId;
            update payments set amount_usd = @amountDue where order_id = @orderId and status = 'pending';
            """, new { orderId, address, country, method = quote.Method, goods, shipping = quote.ShippingUsd, trackingFee = quote.TrackingFeeUsd, amountDue = money.AmountDue },
            tx, cancellationToken: ct));
        if (request.Lines is not null) await OrderAccess.WriteLinesAsync(tx, orderId, request.Lines, [.. lines.Select(l => l.UnitPriceUsd)], ct);
        var actor = OrderAccess.Actor(user);
        await outbox.EnqueueAsync(tx, new OrderAmended
        {
            OrderId = orderId, MemberId = order.MemberId, ShippingAddress = address, Lines = lines, GoodsUsd = goods, ShippingUsd = quote.ShippingUsd,
            TrackingFeeUsd = quote.TrackingFeeUsd, At = now,
        }, orderId, ct);
        if (money.Refund > 0)
        {
            // L7: the Ledger takes back the points earned on the money that goes back.
            var refundId = Guid.CreateVersion7();
            await OrderAccess.RecordRefundAsync(tx, refundId, orderId, "amendment", money.Refund, null, null, actor, now, ct);
            await outbox.EnqueueAsync(tx, new OrderRefunded
            {
                RefundId = refundId, OrderId = orderId, MemberId = order.MemberId, RefundUsd = money.Refund, EarnMultiplier = order.EarnMultiplier, At = now,
            }, orderId, ct);
        }
        var status = order.Status;
        if (order.PaidAt is null && money.AmountDue == 0m)
        {
            await PaymentEndpoints.MarkPaidAsync(tx, outbox, orderId, now, "points", ct); // the points now pay for everything
            status = OrderStatus.Processing;
        }
        await work.CommitAsync(ct);
        var totals = new OrderTotals(goods, quote.ShippingUsd, quote.TrackingFeeUsd, current.PointsUsed, current.PointsValueUsd, money.AmountDue);
        return TypedResults.Ok(new AmendmentResult(orderId, status, address) { Totals = totals, RefundAmount = money.Refund });
    }

    private sealed record KeptLine(string Sku, string Name, int Quantity, decimal UnitPriceUsd, int WeightGrams);

    private static decimal Usd(decimal price, decimal? usdPerUnit) =>
        usdPerUnit is { } rate ? decimal.Round(price * rate, 2, MidpointRounding.AwayFromZero) : price;
}
