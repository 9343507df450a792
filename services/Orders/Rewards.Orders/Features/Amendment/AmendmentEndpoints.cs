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

/// <summary>The shipping object of a new order; each field may be left out to keep it.</summary>
public sealed record AmendShippingRequest
{
    public string? Country { get; init; }
    public string? Method { get; init; }
    public string? Address { get; init; }
}

/// <summary>
/// What to change (O3): <see cref="Shipping"/> as when placing the order, or the first shape, <see cref="ShippingAddress"/>.
/// Today the address can change; new lines, or another country or method, are refused as not yet supported (they would
/// change the totals, the shipping costs and the points).
/// </summary>
public sealed record AmendOrderRequest
{
    public AmendShippingRequest? Shipping { get; init; }
    public IReadOnlyList<Placing.OrderLineRequest>? Lines { get; init; }
    public string? ShippingAddress { get; init; }
}

public sealed record AmendmentResult(Guid OrderId, string Status, string ShippingAddress);

/// <summary>O3: an order can be changed only while it is being processed (before it is packed).</summary>
public static class AmendmentEndpoints
{
    public static void MapAmendment(this IEndpointRouteBuilder app) =>
        app.MapPatch("/orders/{orderId:guid}", AmendAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("Change the delivery address while the order is processing (O3); new lines, country or method are refused with 422 for now");

    public static async Task<Results<Ok<AmendmentResult>, ValidationProblem, ProblemHttpResult>> AmendAsync(
        Guid orderId, AmendOrderRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        if (request.Lines is not null) return NotSupported();
        var address = (request.Shipping?.Address ?? request.ShippingAddress)?.Trim();
        if (address is not { Length: >= 1 and <= 500 })
            return Problems.Validation(new FieldErrors().Require(false, "shipping.address", "An address of 1 to 500 characters is required."));

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status is not (OrderStatus.PendingPayment or OrderStatus.Processing))
            return Problems.Of(409, "order-not-amendable", "The order can no longer be changed",
                $"Orders can be changed only while processing; this one is {order.Status}.");

        var (country, method) = await conn.QuerySingleAsync<(string, string)>(new CommandDefinition(
            "select shipping_country, shipping_method from orders where id = @orderId", new { orderId }, tx, cancellationToken: ct));
        if (request.Shipping?.Country is { } newCountry && !string.Equals(newCountry.Trim(), country, StringComparison.OrdinalIgnoreCase)
            || request.Shipping?.Method is { } newMethod && !string.Equals(newMethod.Trim(), method, StringComparison.OrdinalIgnoreCase))
            return NotSupported();
        await conn.ExecuteAsync(new CommandDefinition(
            "update orders set shipping_address = @address where id = @orderId", new { orderId, address }, tx, cancellationToken: ct));
        await outbox.EnqueueAsync(tx, new OrderAmended { OrderId = orderId, MemberId = order.MemberId, ShippingAddress = address, At = now }, orderId, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new AmendmentResult(orderId, order.Status, address));
    }

    private static ProblemHttpResult NotSupported() =>
        Problems.Of(422, "amendment-not-supported", "Only the delivery address can be changed here",
            "Changing the lines, the country or the shipping method changes the totals; cancel the order (free while it is processing) and order again.");
}
