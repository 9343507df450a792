using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Orders.Features.Viewing;

public sealed record StatusChange(string Status, DateTimeOffset At, string? Reason = null);

public sealed record OrderLineView(string Sku, string Name, int Quantity, decimal UnitPrice, int WeightGrams, string ItemType);

public sealed record OrderView(
    Guid OrderId, string OrderNumber, [property: AllowedValues(OrderStatus.PendingPayment, OrderStatus.Processing, OrderStatus.Prepared, OrderStatus.Complete, OrderStatus.Delivered, OrderStatus.PickedUp, OrderStatus.Cancelled, OrderStatus.Refunded)] string Status, string Currency, decimal Goods, decimal Shipping, decimal TrackingFee,
    decimal AmountDue, long PointsUsed, decimal PointsValue, string ShippingMethod, DateTimeOffset PlacedAt, DateTimeOffset? PaidAt, DateTimeOffset? DeliveredAt)
{
    public IReadOnlyList<OrderLineView> Lines { get; set; } = [];
    public IReadOnlyList<StatusChange> StatusHistory { get; set; } = [];
    public IReadOnlyList<RefundView> Refunds { get; set; } = [];
}

public sealed record RefundView(Guid RefundId, string Kind, decimal AmountUsd, DateTimeOffset At);

public sealed record OrderSummary(Guid OrderId, string OrderNumber, [property: AllowedValues(OrderStatus.PendingPayment, OrderStatus.Processing, OrderStatus.Prepared, OrderStatus.Complete, OrderStatus.Delivered, OrderStatus.PickedUp, OrderStatus.Cancelled, OrderStatus.Refunded)] string Status, decimal Goods, decimal AmountDue, DateTimeOffset PlacedAt);

public static class ViewingEndpoints
{
    private const string OrderColumns =
        """
        select id as OrderId, order_number as OrderNumber, status, currency, goods_usd as Goods, shipping_usd as Shipping,
               tracking_fee_usd as TrackingFee, amount_due_usd as AmountDue, points_used as PointsUsed,
               points_value_usd as PointsValue, shipping_method as ShippingMethod, placed_at as PlacedAt, paid_at as PaidAt,
               delivered_at as DeliveredAt
        from orders
        """;

    public static void MapViewing(this IEndpointRouteBuilder app)
    {
        app.MapGet("/orders", ListAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("The member's orders, newest first (keyset paging: pass the last placedAt as before=)");
        app.MapGet("/orders/{orderId:guid}", GetAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("One of the member's orders with its status history");
        app.MapGet("/ops/orders", ListForOpsAsync).WithTags("Ops: fulfilment").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("A member's orders, newest first (keyset paging: pass the last placedAt as before=)");
        app.MapGet("/ops/orders/{orderId:guid}", GetForOpsAsync).WithTags("Ops: fulfilment").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Any order with its status history and refunds");
        app.MapGet("/orders/{orderNumber}", GetAsGuestAsync).WithTags("Orders").AllowAnonymous()
            .WithSummary("A guest's order, found by its number and the e-mail address it was placed with");
    }

    public static Task<Ok<IReadOnlyList<OrderSummary>>> ListAsync(ClaimsPrincipal user, NpgsqlDataSource db, DateTimeOffset? before, int? limit, CancellationToken ct) =>
        ListOfMemberAsync(db, user.MemberId(), before, limit, ct);

    public static Task<Ok<IReadOnlyList<OrderSummary>>> ListForOpsAsync(Guid memberId, NpgsqlDataSource db, DateTimeOffset? before, int? limit, CancellationToken ct) =>
        ListOfMemberAsync(db, memberId, before, limit, ct);

    private static async Task<Ok<IReadOnlyList<OrderSummary>>> ListOfMemberAsync(NpgsqlDataSource db, Guid memberId, DateTimeOffset? before, int? limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var orders = await conn.QueryAsync<OrderSummary>(new CommandDefinition(
            """
            select id as OrderId, order_number as OrderNumber, status, goods_usd as Goods, amount_due_usd as AmountDue, placed_at as PlacedAt
            from orders where member_id = @memberId and (@before::timestamptz is null or placed_at < @before)
            order by placed_at desc limit @limit
            """, new { memberId, before, limit = Math.Clamp(limit ?? 50, 1, 200) }, cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<OrderSummary>>([.. orders]);
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetForOpsAsync(Guid orderId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<OrderView>(new CommandDefinition(OrderColumns + " where id = @orderId", new { orderId }, cancellationToken: ct));
        return order is null ? Problems.NotFound("No such order") : TypedResults.Ok(await WithDetailsAsync(conn, order, ct));
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsGuestAsync(
        string orderNumber, string? email, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(email)) return Problems.NotFound("No such order");
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<OrderView>(new CommandDefinition(
            OrderColumns + " where order_number = @orderNumber and member_id is null and lower(customer_email) = lower(@email)",
            new { orderNumber, email = email.Trim() }, cancellationToken: ct));
        return order is null ? Problems.NotFound("No such order") : TypedResults.Ok(await WithDetailsAsync(conn, order, ct));
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(
        Guid orderId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<OrderView>(new CommandDefinition(
            OrderColumns + " where id = @orderId and member_id = @memberId", new { orderId, memberId = user.MemberId() }, cancellationToken: ct));
        return order is null ? Problems.NotFound("No such order") : TypedResults.Ok(await WithDetailsAsync(conn, order, ct));
    }

    private static async Task<OrderView> WithDetailsAsync(NpgsqlConnection conn, OrderView order, CancellationToken ct)
    {
        var orderId = order.OrderId;
        order.Lines = [.. await conn.QueryAsync<OrderLineView>(new CommandDefinition(
            """
            select sku, name, quantity, unit_price as UnitPrice, weight_grams as WeightGrams, item_type as ItemType
            from order_lines where order_id = @orderId order by line_no
            """, new { orderId }, cancellationToken: ct))];
        order.StatusHistory = [.. await conn.QueryAsync<StatusChange>(new CommandDefinition(
            "select status, at, reason from order_status_history where order_id = @orderId order by seq",
            new { orderId }, cancellationToken: ct))];
        order.Refunds = [.. await conn.QueryAsync<RefundView>(new CommandDefinition(
            "select id as RefundId, kind, amount_usd as AmountUsd, at from refunds where order_id = @orderId order by at",
            new { orderId }, cancellationToken: ct))];
        return order;
    }
}
