using System.ComponentModel.DataAnnotations;
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

/// <summary>One defective item of the order: its line's SKU, the defect and the photo showing it.</summary>
public sealed record DefectItem
{
    public required string Sku { get; init; }
    /// <summary><c>missing-photocard</c>, <c>missing-poster</c>, <c>missing-autograph</c> or <c>damaged</c>.</summary>
    [AllowedValues("missing-photocard", "missing-poster", "missing-autograph", "damaged", "missing-photo-card")] public required string Defect { get; init; }
    public required string PhotoReference { get; init; }
}

/// <summary>
/// A member's defect claim: <see cref="Items"/>, one per defective item. The endpoint's first shape, one
/// <see cref="PhotoReference"/> with a list of <see cref="Defects"/>, is still accepted.
/// </summary>
public sealed record DefectRefundRequest
{
    public IReadOnlyList<DefectItem>? Items { get; init; }
    public string? PhotoReference { get; init; }
    public IReadOnlyList<string>? Defects { get; init; }
}

public sealed record OpsDefectRefundRequest
{
    public required string PhotoReference { get; init; }
    public required IReadOnlyList<DefectClaim> Defects { get; init; }
}

public sealed record RefundResult(Guid RefundId, Guid OrderId, decimal RefundUsd, string Status)
{
    /// <summary>The amount refunded in USD, by the contract's name; the same as <see cref="RefundUsd"/>.</summary>
    public decimal RefundAmount => RefundUsd;
}

/// <summary>O5 (and O4's untraceable parcel): money back for a delivered order, announced so the Ledger claws back points (L7).</summary>
public static class DefectRefundEndpoints
{
    public static void MapRefunds(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders/{orderId:guid}/defect-refunds", RequestAsync).WithExample("""
            {"items": [{"sku": "KPOP-ALB-7", "defect": "missing-photocard", "photoReference": "photos/2027-03-02/box.jpg"}]}
            """).Refuses(400, "photo-required").Refuses(409, "defect-claim-too-late", "order-not-delivered", "defect-adjustment-too-large", "nothing-left-to-refund").WithTags("Orders").RequireAuthorization()
            .WithSummary("Claim a refund for defects within 3 days of delivery, with a photo (O5); no refunds for a change of mind");
        app.MapPost("/ops/orders/{orderId:guid}/defect-refunds", OpsRefundAsync).Refuses(400, "photo-required").Refuses(409, "defect-claim-too-late", "order-not-delivered", "defect-adjustment-too-large", "nothing-left-to-refund").WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Refund defects, varying each amount by up to USD 2.00 (O5)");
        app.MapPost("/ops/orders/{orderId:guid}/lost-parcel-refund", UntraceableAsync).Refuses(409, "order-not-in-transit", "parcel-still-traceable").WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("Refund a shipped parcel that could not be traced for 3 months (O4)");
        app.MapPost("/ops/orders/{orderId:guid}/untraceable-refund", UntraceableAsync).Refuses(409, "order-not-in-transit", "parcel-still-traceable").WithTags("Ops: fulfilment")
            .RequireAuthorization(AuthExtensions.OpsPolicy).WithSummary("The same as lost-parcel-refund, by its first name");
    }

    public static async Task<Results<Created<RefundResult>, ValidationProblem, ProblemHttpResult>> RequestAsync(Guid orderId,
        DefectRefundRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy,
        CancellationToken ct)
    {
        string? photo;
        IReadOnlyList<DefectClaim> claims;
        if (request.Items is { Count: > 0 } items)
        {
            // Every item needs its photo; the refund record keeps the first.
            photo = items.All(i => !string.IsNullOrWhiteSpace(i.PhotoReference)) ? items[0].PhotoReference : null;
            claims = [.. items.Select(i => new DefectClaim(i.Defect))];
            var skus = await OrderAccess.SkusAsync(work, orderId, user, ct);
            var unknown = items.Select(i => i.Sku).Where(sku => !skus.Contains(sku)).ToList();
            if (skus.Count > 0 && unknown.Count > 0)
                return Problems.Validation(new FieldErrors().Require(false, "items", $"Not a line of this order: {string.Join(", ", unknown)}."));
        }
        else if (request.Defects is { Count: > 0 } defects)
        {
            (photo, claims) = (request.PhotoReference, [.. defects.Select(d => new DefectClaim(d))]);
        }
        else
        {
            return Problems.Validation(new FieldErrors().Require(false, "items", "Name each defective item: its sku, the defect and a photoReference."));
        }
        return (await RefundDefectsAsync(orderId, photo, claims, user, work, outbox, clock, policy.Value, ct)).Result switch
        {
            Ok<RefundResult> ok => TypedResults.Created($"/orders/{orderId}", ok.Value),
            ProblemHttpResult problem => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other}"),
        };
    }

    public static Task<Results<Ok<RefundResult>, ProblemHttpResult>> OpsRefundAsync(Guid orderId, OpsDefectRefundRequest request, ClaimsPrincipal user,
        RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct) =>
        RefundDefectsAsync(orderId, request.PhotoReference, request.Defects, user, work, outbox, clock, policy.Value, ct);

    private static async Task<Results<Ok<RefundResult>, ProblemHttpResult>> RefundDefectsAsync(Guid orderId, string? photo, IReadOnlyList<DefectClaim> claims,
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
            return Problems.Of(verdict.RefusalType is "validation" or "photo-required" ? 400 : 409, verdict.RefusalType!, "The defect refund is not possible", verdict.Reason);
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
