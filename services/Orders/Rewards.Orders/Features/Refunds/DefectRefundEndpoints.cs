using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Orders.Data;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Refunds;

public sealed record DefectRefundRequest
{
    public required string PhotoReference { get; init; }
    public required IReadOnlyList<string> Defects { get; init; }
}

public sealed record OpsDefectRefundRequest
{
    public required string PhotoReference { get; init; }
    public required IReadOnlyList<DefectClaim> Defects { get; init; }
}

public sealed record RefundResult(Guid RefundId, Guid OrderId, decimal RefundUsd, string Status);

/// <summary>O5 (and O4's untraceable parcel): money back for a delivered order, announced so the Ledger claws back points (L7).</summary>
public static class DefectRefundEndpoints
{
    public static void MapRefunds(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders/{orderId:guid}/defect-refunds", RequestAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("Claim a refund for defects within 3 days of delivery, with a photo (O5); no refunds for a change of mind");
        app.MapPost("/ops/orders/{orderId:guid}/defect-refunds", OpsRefundAsync).WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Refund defects, varying each amount by up to USD 2.00 (O5)");
        app.MapPost("/ops/orders/{orderId:guid}/untraceable-refund", UntraceableAsync).WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Refund a shipped parcel that could not be traced for 3 months (O4)");
    }

    public static Task<Results<Ok<RefundResult>, ProblemHttpResult>> RequestAsync(Guid orderId, DefectRefundRequest request, ClaimsPrincipal user,
        RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct) =>
        RefundDefectsAsync(orderId, request.PhotoReference, [.. request.Defects.Select(d => new DefectClaim(d))], user, work, outbox, clock, policy.Value, ct);

    public static Task<Results<Ok<RefundResult>, ProblemHttpResult>> OpsRefundAsync(Guid orderId, OpsDefectRefundRequest request, ClaimsPrincipal user,
        RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct) =>
        RefundDefectsAsync(orderId, request.PhotoReference, request.Defects, user, work, outbox, clock, policy.Value, ct);

    private static async Task<Results<Ok<RefundResult>, ProblemHttpResult>> RefundDefectsAsync(Guid orderId, string photo, IReadOnlyList<DefectClaim> claims,
        ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, ProgramPolicy policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        var deliveredAt = order.Status is OrderStatus.Delivered or OrderStatus.PickedUp ? order.DeliveredAt : null;
        var verdict = DefectRefunds.Decide(deliveredAt, now, photo, claims, order.GoodsUsd, order.RefundedUsd, policy);
        if (!verdict.Allowed)
            return Problems.Of(verdict.RefusalType == "validation" ? 400 : 409, verdict.RefusalType!, "The defect refund is not possible", verdict.Reason);
        if (verdict.RefundUsd == 0m)
            return Problems.Of(409, "nothing-left-to-refund", "The order has been refunded in full already");

        var refundId = Guid.CreateVersion7();
        await OrderAccess.RecordRefundAsync(tx, refundId, orderId, "defect", verdict.RefundUsd, photo, claims, OrderAccess.Actor(user), now, ct);
        await outbox.EnqueueAsync(tx, new OrderRefunded { RefundId = refundId, OrderId = orderId, MemberId = order.MemberId, RefundUsd = verdict.RefundUsd, EarnMultiplier = order.EarnMultiplier, At = now }, orderId, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new RefundResult(refundId, orderId, verdict.RefundUsd, order.Status));
    }

    public static async Task<Results<Ok<RefundResult>, ProblemHttpResult>> UntraceableAsync(Guid orderId, ClaimsPrincipal user,
        RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var order = await OrderAccess.LockAsync(tx, orderId, user, ct);
        if (order is null) return Problems.NotFound("No such order");
        if (order.Status != OrderStatus.Complete || order.ShippedAt is null)
            return Problems.Of(409, "order-not-in-transit", "Only a shipped, undelivered parcel can be refunded as untraceable", $"The order is {order.Status}.");
        var allowedFrom = order.ShippedAt.Value.AddMonths(policy.Value.UntraceableParcelMonths);
        if (now < allowedFrom)
            return Problems.Of(409, "parcel-still-traceable", "The parcel may still arrive",
                $"An untraceable parcel can be refunded from {allowedFrom:O}, {policy.Value.UntraceableParcelMonths} months after shipping.");

        var refund = Math.Max(0m, order.AmountDueUsd - order.RefundedUsd);
        var refundId = Guid.CreateVersion7();
        var actor = OrderAccess.Actor(user);
        await OrderAccess.RecordRefundAsync(tx, refundId, orderId, "untraceable-parcel", refund, null, null, actor, now, ct);
        await OrderAccess.RecordStatusAsync(tx, orderId, OrderStatus.Refunded, now, actor, ct);
        // The goods never arrived: the Ledger takes back the points of the whole purchase.
        await outbox.EnqueueAsync(tx, new OrderRefunded { RefundId = refundId, OrderId = orderId, MemberId = order.MemberId, RefundUsd = order.GoodsUsd, EarnMultiplier = order.EarnMultiplier, At = now }, orderId, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new RefundResult(refundId, orderId, refund, OrderStatus.Refunded));
    }
}
