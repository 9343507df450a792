using Rewards.Ledger.Domain;

namespace Rewards.Ledger.Data;

public static class SystemAccounts
{
    public static readonly Guid Issuance = Guid.Parse("00000000-0000-7000-8000-00000000a001");
    public static readonly Guid Redemption = Guid.Parse("00000000-0000-7000-8000-00000000a002");
    public static readonly Guid Breakage = Guid.Parse("00000000-0000-7000-8000-00000000a003");
    public static readonly Guid Forfeiture = Guid.Parse("00000000-0000-7000-8000-00000000a004");
    public static readonly Guid Adjustment = Guid.Parse("00000000-0000-7000-8000-00000000a005");
    public static readonly Guid Payoff = Guid.Parse("00000000-0000-7000-8000-00000000a006");
    public static readonly Guid[] All = [Issuance, Redemption, Breakage, Forfeiture, Adjustment, Payoff];
}

public static class Buckets
{
    /// <summary>Earned points minus debt: negative when the member owes points (L8).</summary>
    public const string Earned = "earned";
    /// <summary>Purchase points waiting for their 48 h (L4).</summary>
    public const string Pending = "pending";
    /// <summary>Points reserved by open checkout holds (L9).</summary>
    public const string Held = "held";

    public static readonly string[] All = [Earned, Pending, Held];
}

/// <summary>A member account row, locked for the session; balance and sequence are advanced in memory and saved once.</summary>
public sealed class Account
{
    public required Guid Id { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required string Bucket { get; init; }
    public long Balance { get; set; }
    public long LastSeq { get; set; }
    public bool Changed { get; set; }
}

/// <summary>One member's accounts in one channel and, if loaded, their earned lots with points left.</summary>
public sealed class Book
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required Account Earned { get; init; }
    public required Account Pending { get; init; }
    public required Account Held { get; init; }
    public List<LotRow> Lots { get; } = [];

    /// <summary>What can be spent now: earned lots, nothing while in debt (L8).</summary>
    public long Available => Earned.Balance < 0 ? 0 : Lots.Sum(l => l.Remaining);
}

/// <summary>A lot row (L5). Lots are derived state: mutable, and written back by the session.</summary>
public sealed class LotRow
{
    public required Guid Id { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required string Source { get; init; }
    public required string Reference { get; init; }
    public required long Amount { get; init; }
    public long Remaining { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? EarnedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? ActivateAfter { get; set; }
    public required bool Transferable { get; init; }
    public Guid? OriginLotId { get; init; }
    public long ClawedBack { get; set; }

    public Lot ToDomain() => new(Id, Remaining, EarnedAt ?? DateTimeOffset.MinValue, ExpiresAt ?? DateTimeOffset.MaxValue,
        LotSources.Parse(Source), Transferable);
}

/// <summary>One leg of a ledger transaction: a member account or a system account, and a signed amount.</summary>
public sealed record Leg(Account? Member, Guid? SystemAccount, long Amount)
{
    public static Leg Of(Account account, long amount) => new(account, null, amount);
    public static Leg System(Guid account, long amount) => new(null, account, amount);
    public Guid AccountId => Member?.Id ?? SystemAccount!.Value;
}

internal sealed record PostingRow(
    Guid Id, Guid TransactionId, Guid AccountId, long? Seq, string Kind, long Amount, long? BalanceAfter, DateTimeOffset EffectiveAt,
    string Reference, string IdempotencyKey, string CausedBy, Guid? LotId);

internal sealed record AllocationRow(Guid TransactionId, Guid LotId, string Kind, string Reference, long Points);
