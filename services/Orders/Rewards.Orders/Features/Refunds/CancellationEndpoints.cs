using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Refunds;

public sealed record CancellationResult(Guid OrderId, string Status, decimal FeeUsd, decimal RefundUsd);

/// <summary>O4: the member (or ops for them) cancels an order within its window; a prepared order costs a fee per item.</summary>
public static class CancellationEndpoints
{
    public static void MapCancellation(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders/{orderId:guid}/cancellation", CancelAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("Cancel one of the member's orders (O4)")
            .WithDescription("Processing: normal items within 24 h of payment, meet-and-greet items until 30 min before the broadcast. "
                + "Prepared: USD 3.00 per item is kept, the rest refunded. Shipped orders cannot be cancelled.");
        app.MapPost("/ops/orders/{orderId:guid}/cancellation", CancelAsync).WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Cancel an order on the buyer's behalf, by the same rules (O4)");
    }

    public static async Task<Results<Ok<CancellationResult>, ProblemHttpResult>> CancelAsync(
        Guid orderId, ClaimsPrincipal user, NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status == OrderStatus.Cancelled) // a repeated request answers as the first did
            return TypedResults.Ok(new CancellationResult(orderId, order.Status, 0m, order.RefundedUsd));

        var verdict = Cancellation.Decide(order.Status, order.PaidAt, order.Lines, now, policy.Value);
        if (!verdict.Allowed) return Problems.Of(409, verdict.RefusalType!, "The order cannot be cancelled now", verdict.Reason);

        var wasPaid = order.PaidAt is not null;
        var refund = wasPaid ? Math.Max(0m, order.AmountDueUsd - order.RefundedUsd - verdict.FeeUsd) : 0m;
        var actor = OrderAccess.Actor(user);
        await OrderAccess.RecordStatusAsync(tx, orderId, OrderStatus.Cancelled, now, actor, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update orders set cancelled_at = @now, cancellation_fee_usd = @fee where id = @orderId;
            update payments set status = 'cancelled' where order_id = @orderId and status = 'pending';
            """, new { orderId, now, fee = verdict.FeeUsd }, tx, cancellationToken: ct));
        if (refund > 0) await OrderAccess.RecordRefundAsync(tx, Guid.CreateVersion7(), orderId, "cancellation", refund, null, null, actor, now, ct);
        await outbox.EnqueueAsync(tx, new OrderCancelled
        {
            OrderId = orderId, MemberId = order.MemberId, WasPaid = wasPaid, RefundUsd = refund, At = now,
        }, orderId, ct);
        await tx.CommitAsync(ct);
        outbox.Flush();
        return TypedResults.Ok(new CancellationResult(orderId, OrderStatus.Cancelled, verdict.FeeUsd, refund));
    }
}
