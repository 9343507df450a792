using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Orders.Features.Viewing;

public sealed record StatusChange(string Status, DateTimeOffset At);

public sealed record OrderLineView(string Sku, string Name, int Quantity, decimal UnitPrice, int WeightGrams, string ItemType);

public sealed record OrderView(
    Guid OrderId, string OrderNumber, string Status, string Currency, decimal Goods, decimal Shipping, decimal TrackingFee,
    decimal AmountDue, long PointsUsed, decimal PointsValue, string ShippingMethod, DateTimeOffset PlacedAt, DateTimeOffset? PaidAt, DateTimeOffset? DeliveredAt)
{
    public IReadOnlyList<OrderLineView> Lines { get; set; } = [];
    public IReadOnlyList<StatusChange> StatusHistory { get; set; } = [];
}

public static class ViewingEndpoints
{
    public static void MapViewing(this IEndpointRouteBuilder app) =>
        app.MapGet("/orders/{orderId:guid}", GetAsync).WithTags("Orders").RequireAuthorization()
            .WithSummary("One of the member's orders with its status history");

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(
        Guid orderId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<OrderView>(new CommandDefinition(
            """
            select id as OrderId, order_number as OrderNumber, status, currency, goods_usd as Goods, shipping_usd as Shipping,
                   tracking_fee_usd as TrackingFee, amount_due_usd as AmountDue, points_used as PointsUsed,
                   points_value_usd as PointsValue, shipping_method as ShippingMethod, placed_at as PlacedAt, paid_at as PaidAt,
                   delivered_at as DeliveredAt
            from orders where id = @orderId and member_id = @memberId
            """, new { orderId, memberId = user.MemberId() }, cancellationToken: ct));
        if (order is null) return Problems.NotFound("No such order");
        order.Lines = [.. await conn.QueryAsync<OrderLineView>(new CommandDefinition(
            """
            select sku, name, quantity, unit_price as UnitPrice, weight_grams as WeightGrams, item_type as ItemType
            from order_lines where order_id = @orderId order by line_no
            """, new { orderId }, cancellationToken: ct))];
        order.StatusHistory = [.. await conn.QueryAsync<StatusChange>(new CommandDefinition(
            "select status, at from order_status_history where order_id = @orderId order by seq",
            new { orderId }, cancellationToken: ct))];
        return TypedResults.Ok(order);
    }
}
