using System.ComponentModel.DataAnnotations;

namespace Rewards.Ledger;

/// <summary>The Ledger numbers of SPEC.md (L1–L19), bound from configuration section "Policy".</summary>
public sealed class ProgramPolicy
{
    /// <summary>L3: share of the paid USD amount earned as points (1% = 0.01).</summary>
    [Range(0.0, 1.0)] public decimal EarnRate { get; set; } = 0.01m;
    /// <summary>L4: hours after delivery or pick-up until pending points become earned.</summary>
    [Range(0, 24 * 365)] public int PendingHours { get; set; } = 48;
    /// <summary>L6: months after the earned date until points expire.</summary>
    [Range(1, 1200)] public int ExpiryMonths { get; set; } = 60;
    /// <summary>L6: days before expiry that the member is warned.</summary>
    [Range(1, 365)] public int ExpiryWarningDays { get; set; } = 30;
    /// <summary>L19: points a new member gets on registration (not on re-registration); 0 turns the bonus off.</summary>
    [Range(0, 1_000_000)] public long WelcomeBonusPoints { get; set; } = 1000;
    /// <summary>L19: days until the welcome bonus expires.</summary>
    [Range(1, 3650)] public int WelcomeBonusDays { get; set; } = 90;
    /// <summary>L9: redemptions, gifts and transfers move multiples of this many points.</summary>
    [Range(1, 1_000_000)] public int PointsUnit { get; set; } = 10;
    /// <summary>L9: minutes a checkout hold lasts before it is released.</summary>
    [Range(1, 24 * 60)] public int HoldMinutes { get; set; } = 30;
    /// <summary>L10: a gifted lot with fewer months left than this …</summary>
    [Range(0, 120)] public int GiftMinimumMonthsLeft { get; set; } = 6;
    /// <summary>L10: … has its expiry extended by this many months.</summary>
    [Range(0, 120)] public int GiftExtensionMonths { get; set; } = 6;
    /// <summary>L15: the least a member pays off a negative balance with, in USD.</summary>
    [Range(0.0, 1000.0)] public decimal PayoffMinimumUsd { get; set; } = 1.00m;
    /// <summary>L15: the least a member paying in KRW pays, in KRW.</summary>
    [Range(0, 10_000_000)] public decimal PayoffMinimumKrw { get; set; } = 1000m;
    /// <summary>L3/L15: what a point is worth in USD (1,000 points = USD 1.00): earning is paid USD × rate ÷ this, and debt is paid off at it.</summary>
    [Range(0.000001, 1.0)] public decimal UsdPerPoint { get; set; } = 0.001m;
    /// <summary>L17: whether a purchase that used another promotion, discount or loyalty programme still earns points.</summary>
    public bool EarnOnStackedPurchases { get; set; }
}
