namespace Rewards.Contracts.Orders;

public sealed record OrderLine
{
    public required string Sku { get; init; }
    public required string Name { get; init; }
    public required int Quantity { get; init; }
    public required decimal UnitPriceUsd { get; init; }
}

/// <summary>The payment provider confirmed the payment. <see cref="AmountPaidUsd"/> excludes points and gift certificates (L3).</summary>
public sealed record OrderPaid
{
    public required Guid OrderId { get; init; }
    public required string OrderNumber { get; init; }
    /// <summary>Null for guest orders, which earn no points.</summary>
    public Guid? MemberId { get; init; }
    public required string CustomerEmail { get; init; }
    public required string CustomerName { get; init; }
    public required decimal GoodsUsd { get; init; }
    public required decimal AmountPaidUsd { get; init; }
    public required IReadOnlyList<OrderLine> Lines { get; init; }
    public required DateTimeOffset PaidAt { get; init; }
}

public sealed record OrderDelivered
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required DateTimeOffset DeliveredAt { get; init; }
}
