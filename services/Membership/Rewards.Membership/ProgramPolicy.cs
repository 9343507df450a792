using System.ComponentModel.DataAnnotations;

namespace Rewards.Membership;

/// <summary>The Membership numbers of SPEC.md (M1–M11), bound from configuration section "Policy".</summary>
public sealed class ProgramPolicy
{
    /// <summary>M1: minimum age in years at registration.</summary>
    [Range(0, 120)] public int MinimumAge { get; set; } = 14;
    /// <summary>M1: the terms version a registrant must accept until ops publish one that takes effect (POST /ops/terms).</summary>
    [Required] public string CurrentTermsVersion { get; set; } = "2026-01";
    /// <summary>M1: the day the current terms took effect (GET /terms).</summary>
    public DateOnly CurrentTermsEffectiveFrom { get; set; } = new(2026, 1, 1);
    /// <summary>M1: where the current terms can be read (GET /terms); the shop's own page in production.</summary>
    [Required] public string TermsUrl { get; set; } = "https://rewards.example/terms/2026-01";
    /// <summary>N1: days of notice before new terms take effect …</summary>
    [Range(0, 365)] public int TermsNoticeDays { get; set; } = 7;
    /// <summary>… and when the change is unfavourable to members.</summary>
    [Range(0, 365)] public int UnfavourableTermsNoticeDays { get; set; } = 30;
    /// <summary>Keyed hash for passport numbers (M2). Development default in appsettings.Development.json.</summary>
    [Required, MinLength(16)] public string IdentityHashKey { get; set; } = "";
    /// <summary>M4: failed logins in a row that lock the account …</summary>
    [Range(1, 100)] public int MaxFailedLogins { get; set; } = 5;
    /// <summary>M4: … for this many minutes.</summary>
    [Range(1, 24 * 60)] public int LockoutMinutes { get; set; } = 15;
    /// <summary>M4: days a refresh token can be used to get a new access token.</summary>
    [Range(1, 365)] public int RefreshTokenDays { get; set; } = 30;
    /// <summary>M6: minutes a password-reset token stays valid.</summary>
    [Range(1, 7 * 24 * 60)] public int PasswordResetMinutes { get; set; } = 60;
    /// <summary>M5: days without login after which a member becomes dormant …</summary>
    [Range(1, 3650)] public int DormancyDays { get; set; } = 365;
    /// <summary>M5: … warned this many days before …</summary>
    [Range(0, 365)] public int DormancyWarningDays { get; set; } = 30;
    /// <summary>M5: … and erased after this many more days of dormancy.</summary>
    [Range(1, 3650)] public int ErasureAfterDormantDays { get; set; } = 365;
    /// <summary>M7/M8 (L14): days a withdrawn or disqualified member's points stay usable. SOOM: 0.</summary>
    [Range(0, 365)] public int ForfeitureGraceDays { get; set; } = 30;
    /// <summary>M11: months of paid purchases that set the grade.</summary>
    [Range(1, 60)] public int TierWindowMonths { get; set; } = 12;
    /// <summary>
    /// M11: the grades, each reached from a spend over the window, with its earn-rate multiplier. Null means the
    /// defaults of <see cref="DefaultTiers"/> (configuration binding would add to a non-empty default list, not replace it).
    /// </summary>
    public List<TierPolicy>? Tiers { get; set; }

    public static readonly IReadOnlyList<TierPolicy> DefaultTiers =
    [
        new() { Name = "standard", MinimumSpendUsd = 0m, EarnMultiplier = 1.0m },
        new() { Name = "silver", MinimumSpendUsd = 500m, EarnMultiplier = 1.0m },
        new() { Name = "gold", MinimumSpendUsd = 2000m, EarnMultiplier = 1.0m },
    ];

    public IReadOnlyList<TierPolicy> EffectiveTiers => Tiers is { Count: > 0 } ? Tiers : DefaultTiers;
}

public sealed class TierPolicy
{
    [Required] public string Name { get; set; } = "";
    [Range(0, 1_000_000)] public decimal MinimumSpendUsd { get; set; }
    [Range(0, 10)] public decimal EarnMultiplier { get; set; } = 1.0m;
}
