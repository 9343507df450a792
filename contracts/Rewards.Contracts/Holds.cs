namespace Rewards.Contracts.Ledger;

/// <summary>
/// L9, request (Orders → Ledger, request/response over the broker): reserve <see cref="Points"/> earned points for an
/// order at checkout. Answered with <see cref="PointsHeld"/> or <see cref="PointsHoldRefused"/>; asking again with the
/// same <see cref="HoldId"/> gives the same answer.
/// </summary>
public sealed record HoldPoints
{
    public required Guid HoldId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public Guid? OrderId { get; init; }
}

/// <summary>The points are reserved until <see cref="ExpiresAt"/> (30 min by default) unless committed first.</summary>
public sealed record PointsHeld
{
    public required Guid HoldId { get; init; }
    public required long Points { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary><see cref="Reason"/> is a problem slug: insufficient-points, negative-balance, invalid-points-unit, hold-closed.</summary>
public sealed record PointsHoldRefused
{
    public required Guid HoldId { get; init; }
    public required string Reason { get; init; }
    public required string Detail { get; init; }
}

/// <summary>Command (Orders → Ledger): payment was confirmed, the held points are redeemed.</summary>
public sealed record CommitPointsHold
{
    public required Guid HoldId { get; init; }
}

/// <summary>Command (Orders → Ledger): the checkout was abandoned or cancelled before payment; the points go back.</summary>
public sealed record ReleasePointsHold
{
    public required Guid HoldId { get; init; }
    public required string Reason { get; init; }
}
