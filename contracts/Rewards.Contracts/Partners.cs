namespace Rewards.Contracts.Partners;

/// <summary>L16/L4: a partner store recorded a member's purchase; <see cref="Points"/> are pending until <see cref="EarnsAt"/>.</summary>
public sealed record PartnerPurchaseRecorded
{
    /// <summary>The Ledger's id of the partner transaction: one per transaction, stable across redeliveries.</summary>
    public required Guid RecordId { get; init; }
    public required Guid PartnerId { get; init; }
    public required string PartnerName { get; init; }
    public required string TransactionId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required decimal AmountUsd { get; init; }
    /// <summary>0 when the purchase earns nothing; <see cref="NoPointsReason"/> says why.</summary>
    public required long Points { get; init; }
    public string? NoPointsReason { get; init; }
    public DateTimeOffset? EarnsAt { get; init; }
    public required DateTimeOffset PurchasedAt { get; init; }
    /// <summary>The pending lot the points are in (none when the purchase earns nothing). No <c>PointsPending</c> is published for it.</summary>
    public Guid? LotId { get; init; }
}

/// <summary>L16/L7: a partner store refunded (part of) a purchase; the points earned on it were taken back.</summary>
public sealed record PartnerPurchaseRefunded
{
    /// <summary>The Ledger's id of the partner transaction: one per transaction, stable across redeliveries.</summary>
    public required Guid RecordId { get; init; }
    public required Guid PartnerId { get; init; }
    public required string PartnerName { get; init; }
    public required string TransactionId { get; init; }
    public required string PurchaseTransactionId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required long PointsTakenBack { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L16/L9: a member paid with points at a partner store.</summary>
public sealed record PartnerRedemptionMade
{
    /// <summary>The Ledger's id of the partner transaction: one per transaction, stable across redeliveries.</summary>
    public required Guid RecordId { get; init; }
    public required Guid PartnerId { get; init; }
    public required string PartnerName { get; init; }
    public required string TransactionId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required decimal ValueUsd { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L16/L9: a partner store cancelled a redemption; the points went back into the lots they came from.</summary>
public sealed record PartnerRedemptionCancelled
{
    /// <summary>The Ledger's id of the partner transaction: one per transaction, stable across redeliveries.</summary>
    public required Guid RecordId { get; init; }
    public required Guid PartnerId { get; init; }
    public required string PartnerName { get; init; }
    public required string TransactionId { get; init; }
    public required string RedemptionTransactionId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long PointsReturned { get; init; }
    public required long ExpiredAgain { get; init; }
    public required DateTimeOffset At { get; init; }
}
