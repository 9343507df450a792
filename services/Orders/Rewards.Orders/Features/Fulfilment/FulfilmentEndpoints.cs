using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Fulfilment;

public sealed record FulfilmentRequest
{
    /// <summary>Required for <c>ship</c>.</summary>
    public string? TrackingNumber { get; init; }
}

public sealed record FulfilmentResult(Guid OrderId, string Status);

public static class FulfilmentEndpoints
{
    public static void MapFulfilment(this IEndpointRouteBuilder app) =>
        app.MapPost("/ops/orders/{orderId:guid}/{action}", ActAsync).Refuses(409, "invalid-transition", "duty-free-pick-up-only").WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Move an order along O2: prepare, ship, deliver, pick-up");

    public static async Task<Results<Ok<FulfilmentResult>, ValidationProblem, ProblemHttpResult>> ActAsync(
        Guid orderId, string action, FulfilmentRequest? request, ClaimsPrincipal user,
        RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        if (!OrderStatus.IsAction(action)) return Problems.NotFound($"No fulfilment action '{action}'");
        if (action == "ship" && string.IsNullOrWhiteSpace(request?.TrackingNumber))
            return Problems.Validation(new Dictionary<string, string[]> { ["trackingNumber"] = ["Shipping needs a tracking number."] });

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await conn.QuerySingleOrDefaultAsync<(string Status, Guid? MemberId, string Method, bool DutyFree)>(new CommandDefinition(
            "select status, member_id, shipping_method, duty_free from orders where id = @orderId for update", new { orderId }, tx, cancellationToken: ct));
        if (order == default) return Problems.NotFound("No such order");
        if (order.DutyFree && action is "ship" or "deliver")
            return Problems.Of(409, "duty-free-pick-up-only", "Duty-free orders are collected at the airport", "Use pick-up (O7).");
        var next = OrderStatus.Next(order.Status, action);
        if (next is null)
            return Problems.Of(409, "invalid-transition", "The order cannot take this step now",
                $"'{action}' is not allowed while the order is {order.Status}.");

        await conn.ExecuteAsync(new CommandDefinition(
            """
            update orders set tracking_number = coalesce(@tracking, tracking_number),
                delivered_at = case when @next in ('delivered', 'picked-up') then @now else delivered_at end,
                shipped_at = case when @next = 'complete' then @now else shipped_at end
            where id = @orderId
            """, new { orderId, next, now, tracking = request?.TrackingNumber }, tx, cancellationToken: ct));
        await OrderAccess.RecordStatusAsync(tx, orderId, next, now, $"ops:{user.FindFirstValue("sub")}", ct);
        if (next == OrderStatus.Prepared)
            await outbox.EnqueueAsync(tx, new OrderPrepared { OrderId = orderId, MemberId = order.MemberId, At = now }, orderId, ct);
        if (next == OrderStatus.Complete)
        {
            await outbox.EnqueueAsync(tx, new OrderShipped
            {
                OrderId = orderId, MemberId = order.MemberId, TrackingNumber = request!.TrackingNumber!, ShippingMethod = order.Method, At = now,
            }, orderId, ct);
        }
        if (next == OrderStatus.Delivered)
            await outbox.EnqueueAsync(tx, new OrderDelivered { OrderId = orderId, MemberId = order.MemberId, DeliveredAt = now }, orderId, ct);
        if (next == OrderStatus.PickedUp)
            await outbox.EnqueueAsync(tx, new OrderPickedUp { OrderId = orderId, MemberId = order.MemberId, PickedUpAt = now }, orderId, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new FulfilmentResult(orderId, next));
    }
}
