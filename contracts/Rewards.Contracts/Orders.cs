namespace Rewards.Contracts.Orders;

public sealed record OrderLine
{
    public required string Sku { get; init; }
    public required string Name { get; init; }
    public required int Quantity { get; init; }
    public required decimal UnitPriceUsd { get; init; }
}

/// <summary>
/// The payment provider confirmed the payment. <see cref="AmountPaidUsd"/> is what the goods cost in money: it excludes
/// points, gift certificates (L3), shipping and the tracking fee.
/// </summary>
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
    /// <summary>L17: the purchase also used another promotion, discount or loyalty programme.</summary>
    public bool UsedOtherPromotion { get; init; }
    /// <summary>M11: the member's grade multiplier on the earn rate when the order was paid (1.0 for guests and older publishers).</summary>
    public decimal EarnMultiplier { get; init; } = 1.0m;
}

public sealed record OrderDelivered
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required DateTimeOffset DeliveredAt { get; init; }
}

public sealed record OrderPickedUp
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required DateTimeOffset PickedUpAt { get; init; }
}

/// <summary>
/// The order was cancelled (O4). A paid order's points are taken back (L7) and points it was paid with are
/// returned to their lots (L9); an unpaid order's points hold is released.
/// </summary>
public sealed record OrderCancelled
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    /// <summary>The checkout's points hold, if the order used points.</summary>
    public Guid? PointsHoldId { get; init; }
    public required bool WasPaid { get; init; }
    public required decimal RefundUsd { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// Money (and possibly points) went back to the buyer of a delivered or partly cancelled order (O4, O5). The Ledger
/// claws back floor(points earned on <see cref="RefundUsd"/>) (L7) and returns <see cref="PointsReturned"/> of the
/// points the order was paid with (L9).
/// </summary>
public sealed record OrderRefunded
{
    public required Guid RefundId { get; init; }
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required decimal RefundUsd { get; init; }
    public long PointsReturned { get; init; }
    /// <summary>M11: the multiplier the order earned with, so the clawback takes back what was earned on the refunded amount.</summary>
    public decimal EarnMultiplier { get; init; } = 1.0m;
    public required DateTimeOffset At { get; init; }
}

/// <summary>O1/O2: an order was placed and waits for payment (or was paid in full with points).</summary>
public sealed record OrderPlaced
{
    public required Guid OrderId { get; init; }
    public required string OrderNumber { get; init; }
    public Guid? MemberId { get; init; }
    public required string CustomerEmail { get; init; }
    public required string CustomerName { get; init; }
    public required decimal GoodsUsd { get; init; }
    public required decimal ShippingUsd { get; init; }
    public required decimal TrackingFeeUsd { get; init; }
    public required long PointsUsed { get; init; }
    public required decimal AmountDueUsd { get; init; }
    public required IReadOnlyList<OrderLine> Lines { get; init; }
    public required DateTimeOffset PlacedAt { get; init; }
}

/// <summary>O2: the items are packed and wait for shipping (or for pick-up at the airport).</summary>
public sealed record OrderPrepared
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>O2: the parcel left with its tracking number (status complete).</summary>
public sealed record OrderShipped
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required string TrackingNumber { get; init; }
    public required string ShippingMethod { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>O3: the buyer changed the delivery address while the order was still being processed.</summary>
public sealed record OrderAmended
{
    public required Guid OrderId { get; init; }
    public Guid? MemberId { get; init; }
    public required string ShippingAddress { get; init; }
    /// <summary>The order's lines and totals after the change; null from publishers that changed only the address.</summary>
    public IReadOnlyList<OrderLine>? Lines { get; init; }
    public decimal? GoodsUsd { get; init; }
    public decimal? ShippingUsd { get; init; }
    public decimal? TrackingFeeUsd { get; init; }
    public required DateTimeOffset At { get; init; }
}
