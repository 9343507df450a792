using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.Orders.Features.Checkout;
using Rewards.Orders.Features.Members;
using Rewards.Orders.Features.Payments;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Placing;

/// <summary>An order's money, all in USD.</summary>
/// <param name="Goods">The lines' total in USD.</param>
/// <param name="Shipping">Shipping cost in USD (O6).</param>
/// <param name="TrackingFee">Tracking fee in USD (O6).</param>
/// <param name="PointsUsed">Points paying for part of the goods.</param>
/// <param name="PointsValue">What those points are worth in USD.</param>
/// <param name="AmountDue">What is left to pay in USD.</param>
public sealed record OrderTotals(decimal Goods, decimal Shipping, decimal TrackingFee, long PointsUsed, decimal PointsValue, decimal AmountDue);

/// <param name="OrderId">The order's id.</param>
/// <param name="OrderNumber">The number customers quote (guests find their order with it).</param>
/// <param name="Status">pending-payment, or processing when points paid for everything.</param>
/// <param name="Totals">The order's money.</param>
/// <param name="PaymentId">For the payment provider's callback, POST /payments/{paymentId}/confirmation.</param>
public sealed record PlaceOrderResponse(Guid OrderId, string OrderNumber, string Status, OrderTotals Totals, Guid PaymentId);

public static class PlacingEndpoints
{

    public static void MapPlacing(this IEndpointRouteBuilder app) =>
        app.MapPost("/orders", PlaceAsync).Refuses(400, "invalid-points-unit").Refuses(403, "member-suspended", "social-login-cannot-pay").Refuses(409, "insufficient-points", "negative-balance").Refuses(422, "group-order-use-help-desk", "duty-free-limit-exceeded", "age-restricted-item", "exchange-rate-not-found").Refuses(503, "ledger-unavailable").WithTags("Orders").AllowAnonymous()
            .WithSummary("Place an order as a member (bearer token) or a guest (O1)")
            .WithDescription("Shipping (O6), points (L9: held until payment), duty-free (O7, see the DutyFreeRequest schema) and "
                + "non-USD prices (O1, converted at the rate in force) are all optional parts of the same request.")
            .WithExample(OrderExamples.PlaceOrder, OrderExamples.Placed);

    public static async Task<Results<Created<PlaceOrderResponse>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrderRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, PointsHolds holds, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var member = user.Identity?.IsAuthenticated == true;
        var now = clock.GetUtcNow();
        // O1: prices in another currency are converted to USD at the rate in force now, each unit price to the cent.
        // One transaction for the reads and the write: with an Idempotency-Key it also holds the key's claim, so the order
        // and the key's answer commit together (a repeat either gets this order or, if nothing committed, places it anew).
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        decimal? usdPerUnit = null;
        if (request.Currency != "USD" && request.Currency.Length == 3) // a malformed code is reported with the other field errors
        {
            usdPerUnit = await ExchangeRates.ExchangeRates.InForceAsync(conn, request.Currency, now, ct);
            if (usdPerUnit is null)
                return Problems.Of(422, "exchange-rate-not-found", "The currency cannot be used now", $"No {request.Currency} rate is in force.");
        }
        decimal Usd(decimal price) => usdPerUnit is { } rate ? decimal.Round(price * rate, 2, MidpointRounding.AwayFromZero) : price;
        var goods = request.Lines.Sum(l => l.Quantity * Usd(l.UnitPrice));
        var pointsValue = request.Points is { } usePoints ? (decimal)usePoints.Points / policy.Value.PointsPerUsd : 0m;
        var errors = PlaceOrderValidation.Check(request, member, goods, pointsValue, now);
        if (errors.Count > 0) return Problems.Validation(errors);

        var items = request.Lines.Sum(l => (long)l.Quantity);
        if (items > policy.Value.MaxItemsPerOrder)
            return Problems.Of(422, "group-order-use-help-desk", "Group orders go through the help desk",
                $"An order may hold at most {policy.Value.MaxItemsPerOrder} items; this one has {items}. Please contact the help desk.");

        // O6: one parcel; its weight decides between standard and EMS. Duty-free goods are collected at the airport (O7).
        var quote = request.DutyFree is null
            ? Shipping.Quote(goods, request.Lines.Sum(l => (long)l.Quantity * l.WeightGrams), request.Shipping.Country, request.Shipping.Method, policy.Value)
            : new ShippingQuote(Shipping.AirportPickup, 0m, 0m);
        var totals = new OrderTotals(goods, quote.ShippingUsd, quote.TrackingFeeUsd, request.Points?.Points ?? 0, pointsValue,
            goods + quote.ShippingUsd + quote.TrackingFeeUsd - pointsValue);
        var customerEmail = member ? user.Email() ?? "" : request.Guest!.Email.Trim();
        var customerName = member ? user.FindFirstValue("name") ?? "" : request.Guest!.Name.Trim();
        var orderId = Guid.CreateVersion7();
        var paymentId = Guid.CreateVersion7();

        if (member && await SuspendedMembers.IsSuspendedAsync(conn, user.MemberId(), ct))
            return Problems.Of(403, "member-suspended", "The membership is suspended", "Purchases are suspended for this member (M9).");
        if (member && !policy.Value.SocialLoginMembersMayPay && user.FindFirstValue("social_provider") is { } network)
            return Problems.Of(403, "social-login-cannot-pay", "Members registered through a social network cannot pay here",
                $"This shop takes payments only from members registered with an e-mail address (registered through {network}).");
        var passportHash = request.DutyFree is { } df ? IdentityHash.Passport(df.PassportNumber, policy.Value.IdentityHashKey) : null;
        if (request.DutyFree is { } departure)
        {
            // Checked before the order is written; two orders for one departure placed in the same instant could both pass.
            var bought = await DutyFreeOrders.BoughtForDepartureAsync(conn, passportHash!, departure.DepartureAt, ct);
            var residence = departure.ResidenceCountry ?? user.FindFirstValue("country") ?? request.Shipping.Country;
            if (DutyFree.Check(goods, bought, residence.ToUpperInvariant(), departure.BirthDate, DateOnly.FromDateTime(departure.DepartureAt.UtcDateTime),
                    request.Lines.Select(l => l.ItemType), policy.Value) is { } refusal)
                return Problems.Of(422, refusal.Type, "The duty-free order is not allowed", refusal.Reason);
        }
        // L9: the points are held before the order exists; if the order is not written after all, the hold is let go.
        Guid? holdId = null;
        if (request.Points is { } points)
        {
            holdId = Guid.CreateVersion7();
            var outcome = await holds.HoldAsync(new HoldPoints
            {
                HoldId = holdId.Value, MemberId = user.MemberId(), Channel = points.Channel, Points = points.Points, OrderId = orderId,
            }, ct);
            switch (outcome)
            {
                case HoldOutcome.Refused refused:
                    return Problems.Of(refused.Reason is "invalid-points-unit" or "validation" ? 400 : 409, refused.Reason,
                        "The points cannot be used for this order", refused.Detail);
                case HoldOutcome.Unavailable:
                    return Problems.Of(503, "ledger-unavailable", "Points cannot be used right now",
                        "The points service did not answer. Nothing was ordered; try again, or order without points.");
            }
        }
        try
        {
            return await WriteAsync();
        }
        catch when (holdId is not null)
        {
            await holds.ReleaseAsync(holdId.Value, "order-not-placed");
            throw;
        }

        async Task<Results<Created<PlaceOrderResponse>, ValidationProblem, ProblemHttpResult>> WriteAsync()
        {
            var orderNumber = "RW" + await conn.ExecuteScalarAsync<long>("select nextval('order_numbers')", transaction: tx);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                insert into orders (id, order_number, member_id, customer_email, customer_name, currency, goods_usd, shipping_usd,
                                    tracking_fee_usd, amount_due_usd, payment_method, shipping_country, shipping_method,
                                    shipping_address, status, placed_at, points_channel, points_used, points_value_usd, points_hold_id,
                                    duty_free, passport_hash, departure_at, flight, airport, usd_per_unit)
                values (@orderId, @orderNumber, @memberId, @email, @name, @currency, @goods, @shipping, @trackingFee, @amountDue,
                        @paymentMethod, @country, @method, @address, @status, @now, @pointsChannel, @pointsUsed, @pointsValue, @holdId,
                        @dutyFree, @passportHash, @departureAt, @flight, @airport, @usdPerUnit);
                insert into order_status_history (order_id, seq, status, at, actor) values (@orderId, 1, @status, @now, @actor);
                insert into payments (id, order_id, amount_usd, method, status, created_at)
                values (@paymentId, @orderId, @amountDue, @paymentMethod, 'pending', @now);
                """,
                new
                {
                    orderId, orderNumber, paymentId, now,
                    memberId = member ? user.MemberId() : (Guid?)null,
                    email = customerEmail,
                    name = customerName,
                    currency = request.Currency,
                    goods, shipping = totals.Shipping, trackingFee = totals.TrackingFee, amountDue = totals.AmountDue,
                    paymentMethod = request.PaymentMethod,
                    country = request.Shipping.Country.ToUpperInvariant(),
                    method = quote.Method,
                    address = request.Shipping.Address,
                    status = OrderStatus.PendingPayment,
                    actor = member ? $"member:{user.MemberId()}" : "guest",
                    pointsChannel = request.Points?.Channel, pointsUsed = totals.PointsUsed, pointsValue, holdId,
                    usdPerUnit, dutyFree = request.DutyFree is not null, passportHash, departureAt = request.DutyFree?.DepartureAt,
                    flight = request.DutyFree?.Flight.Trim().ToUpperInvariant(), airport = request.DutyFree?.Airport.ToUpperInvariant(),
                }, tx, cancellationToken: ct));
            await OrderAccess.WriteLinesAsync(tx, orderId, request.Lines, [.. request.Lines.Select(l => Usd(l.UnitPrice))], ct);
            await outbox.EnqueueAsync(tx, new OrderPlaced
            {
                OrderId = orderId, OrderNumber = orderNumber, MemberId = member ? user.MemberId() : null,
                CustomerEmail = customerEmail, CustomerName = customerName,
                GoodsUsd = goods, ShippingUsd = totals.Shipping, TrackingFeeUsd = totals.TrackingFee, PointsUsed = totals.PointsUsed,
                AmountDueUsd = totals.AmountDue, PlacedAt = now,
                Lines = [.. request.Lines.Select(l => new OrderLine { Sku = l.Sku, Name = l.Name, Quantity = l.Quantity, UnitPriceUsd = Usd(l.UnitPrice) })],
            }, orderId, ct);
            // Paid in full with points: nothing is left for the payment provider.
            var status = OrderStatus.PendingPayment;
            if (totals.AmountDue == 0m)
            {
                await PaymentEndpoints.MarkPaidAsync(tx, outbox, orderId, now, "points", ct);
                status = OrderStatus.Processing;
            }
            await work.CommitAsync(ct);

            return TypedResults.Created($"/orders/{orderId}", new PlaceOrderResponse(orderId, orderNumber, status, totals, paymentId));
        }
    }
}
