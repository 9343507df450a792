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
