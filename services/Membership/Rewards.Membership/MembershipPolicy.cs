using System.ComponentModel.DataAnnotations;

namespace Rewards.Membership;

/// <summary>The Membership numbers of SPEC.md (M1–M11), bound from configuration section "Policy".</summary>
public sealed class MembershipPolicy
{
    /// <summary>M1: minimum age in years at registration.</summary>
    [Range(0, 120)] public int MinimumAge { get; set; } = 14;
    /// <summary>M1: the terms version a registrant must accept.</summary>
    [Required] public string CurrentTermsVersion { get; set; } = "2026-01";
    /// <summary>Keyed hash for passport numbers (M2). Development default in appsettings.Development.json.</summary>
    [Required, MinLength(16)] public string IdentityHashKey { get; set; } = "";
}
