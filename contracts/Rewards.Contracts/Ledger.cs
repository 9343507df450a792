namespace Rewards.Contracts.Ledger;

/// <summary>Points were credited as pending (L4): visible, not yet spendable.</summary>
public sealed record PointsPending
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required Guid LotId { get; init; }
    public required long Points { get; init; }
    public required string Reference { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>Pending points became earned and spendable.</summary>
public sealed record PointsEarned
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required Guid LotId { get; init; }
    public required long Points { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L6: earned points reached their expiry date and were forfeited to breakage.</summary>
public sealed record PointsExpired
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required IReadOnlyList<Guid> LotIds { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L6: earned points will expire on <see cref="ExpiresOn"/> (sent 30 days ahead, once per member, channel and date).</summary>
public sealed record PointsExpiringSoon
{
    public required Guid WarningId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required DateOnly ExpiresOn { get; init; }
}

/// <summary>L9: held points were redeemed (the order's payment was confirmed).</summary>
public sealed record PointsRedeemed
{
    public required Guid HoldId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public Guid? OrderId { get; init; }
    public required long Points { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// L9: a hold ended without redemption (released, or timed out after 30 min: <see cref="Reason"/> "timeout"), or a
/// commit came for a hold that had already ended (<see cref="CommitRefused"/>).
/// </summary>
public sealed record PointsHoldReleased
{
    public required Guid HoldId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public Guid? OrderId { get; init; }
    public required long Points { get; init; }
    public required string Reason { get; init; }
    public bool CommitRefused { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L9: points an order was paid with went back into the lots they came from (expired ones expire again at once).</summary>
public sealed record PointsReturned
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required string Reference { get; init; }
    public required long Points { get; init; }
    public required long ExpiredAgain { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L4/L7/L13: points were taken back (pending points voided, earned points clawed back, or an ops debit).</summary>
public sealed record PointsClawedBack
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required string Reference { get; init; }
    public required long PendingVoided { get; init; }
    public required long EarnedClawedBack { get; init; }
    public required long BalanceAfter { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L8: the account's balance went below zero (the member owes points; see L15).</summary>
public sealed record BalanceWentNegative
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Balance { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L10: a gift between two members of one channel; the receiver's lots are listed with their expiry.</summary>
public sealed record PointsGifted
{
    public required Guid GiftId { get; init; }
    public required Guid FromMemberId { get; init; }
    public required Guid ToMemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>L14: the member's points were forfeited (end of the grace period, erasure, or unauthorised points).</summary>
public sealed record PointsForfeited
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// L3/O1: ops recorded an exchange rate (USD per unit of <see cref="Currency"/>) in force from <see cref="EffectiveFrom"/>.
/// The Ledger owns the rates; Orders keeps a copy so both convert alike.
/// </summary>
public sealed record ExchangeRateSet
{
    public required string Currency { get; init; }
    public required decimal UsdPerUnit { get; init; }
    public required DateTimeOffset EffectiveFrom { get; init; }
}
