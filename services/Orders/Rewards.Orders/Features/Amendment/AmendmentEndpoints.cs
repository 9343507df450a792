using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Domain;
using Rewards.Orders.Data;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Amendment;

public sealed record AmendOrderRequest
{
    /// <summary>The new delivery address; the country stays (it decides the shipping costs).</summary>
    public required string ShippingAddress { get; init; }
}

public sealed record AmendmentResult(Guid OrderId, string Status, string ShippingAddress);

/// <summary>O3: an order can be changed only while it is being processed (before it is packed).</summary>
public static class AmendmentEndpoints
{
    public static void MapAmendment(this IEndpointRouteBuilder app) =>
        app.MapPatch("/orders/{orderId:guid}", AmendAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("Change the delivery address while the order is processing (O3)");

    public static async Task<Results<Ok<AmendmentResult>, ValidationProblem, ProblemHttpResult>> AmendAsync(
        Guid orderId, AmendOrderRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var address = request.ShippingAddress.Trim();
        if (address.Length is < 1 or > 500)
            return Problems.Validation(new FieldErrors().Require(false, "shippingAddress", "An address of 1 to 500 characters is required."));

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status is not (OrderStatus.PendingPayment or OrderStatus.Processing))
            return Problems.Of(409, "order-not-amendable", "The order can no longer be changed",
                $"Orders can be changed only while processing; this one is {order.Status}.");

        await conn.ExecuteAsync(new CommandDefinition(
            "update orders set shipping_address = @address where id = @orderId", new { orderId, address }, tx, cancellationToken: ct));
        await outbox.EnqueueAsync(tx, new OrderAmended { OrderId = orderId, MemberId = order.MemberId, ShippingAddress = address, At = now }, orderId, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new AmendmentResult(orderId, order.Status, address));
    }
}
