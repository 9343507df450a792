using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Refunds;

public sealed record CancellationResult(Guid OrderId, string Status, decimal FeeUsd, decimal RefundUsd)
{
    /// <summary>What goes back to the payment method in USD, by the contract's name (the same as <see cref="RefundUsd"/>).</summary>
    public decimal RefundAmount => RefundUsd;
    /// <summary>The cancellation fee in USD, by the contract's name (the same as <see cref="FeeUsd"/>).</summary>
    public decimal Fee => FeeUsd;
}

/// <summary>Why the order is cancelled (optional); kept in its status history.</summary>
public sealed record CancellationRequest
{
    public string? Reason { get; init; }
}

/// <summary>O4: the member (or ops for them) cancels an order within its window; a prepared order costs a fee per item.</summary>
public static class CancellationEndpoints
{
    public static void MapCancellation(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders/{orderId:guid}/cancellation", CancelAsync).WithExample("""
            {"reason": "Ordered twice"}
            """).Refuses(409, "cancellation-window-closed", "order-not-cancellable").WithTags("Orders").RequireAuthorization()
            .WithSummary("Cancel one of the member's orders (O4)")
            .WithDescription("Processing: normal items within 24 h of payment, meet-and-greet items until 30 min before the broadcast. "
                + "Prepared: USD 3.00 per item is kept, the rest refunded. Shipped orders cannot be cancelled.");
        app.MapPost("/ops/orders/{orderId:guid}/cancellation", CancelAsync).Refuses(409, "cancellation-window-closed", "order-not-cancellable").WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Cancel an order on the buyer's behalf, by the same rules (O4)");
    }

    public static async Task<Results<Ok<CancellationResult>, ProblemHttpResult>> CancelAsync(
        Guid orderId, CancellationRequest? request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status == OrderStatus.Cancelled) // a repeated request answers as the first did
            return TypedResults.Ok(new CancellationResult(orderId, order.Status, 0m, order.RefundedUsd));

        var verdict = Cancellation.Decide(order.Status, order.PaidAt, order.Lines, now, policy.Value);
        if (!verdict.Allowed) return Problems.Of(409, verdict.RefusalType!, "The order cannot be cancelled now", verdict.Reason);

        var refund = await OrderAccess.CancelAsync(tx, outbox, order, verdict.FeeUsd, OrderAccess.Actor(user), now, ct);
        if (request?.Reason?.Trim() is { Length: > 0 } reason)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update order_status_history set reason = @reason
                where order_id = @orderId and seq = (select max(seq) from order_status_history where order_id = @orderId)
                """, new { orderId, reason = reason[..Math.Min(reason.Length, 1000)] }, tx, cancellationToken: ct));
        }
        await work.CommitAsync(ct);
        return TypedResults.Ok(new CancellationResult(orderId, OrderStatus.Cancelled, verdict.FeeUsd, refund));
    }
}
