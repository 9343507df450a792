namespace Rewards.Ledger.Domain;

/// <summary>L5: where a lot's points came from.</summary>
public enum LotSource
{
    Purchase,
    Promotion,
    Gift,
    Correction,
    MissedEarning,
    Transfer,
}

/// <summary>A lot as the pure rules see it: only earned lots with points left take part in allocation.</summary>
public sealed record Lot(Guid Id, long Remaining, DateTimeOffset EarnedAt, DateTimeOffset ExpiresAt, LotSource Source, bool Transferable);

/// <summary><paramref name="Points"/> taken from lot <paramref name="LotId"/>.</summary>
public sealed record Allocation(Guid LotId, long Points);

/// <summary>The lots a debit consumes and what it could not cover.</summary>
public sealed record AllocationResult(IReadOnlyList<Allocation> Allocations, long Shortfall)
{
    public long Allocated => Allocations.Sum(a => a.Points);
}
