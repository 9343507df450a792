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
    /// <summary>M4: failed logins in a row that lock the account …</summary>
    [Range(1, 100)] public int MaxFailedLogins { get; set; } = 5;
    /// <summary>M4: … for this many minutes.</summary>
    [Range(1, 24 * 60)] public int LockoutMinutes { get; set; } = 15;
    /// <summary>M4: days a refresh token can be used to get a new access token.</summary>
    [Range(1, 365)] public int RefreshTokenDays { get; set; } = 30;
    /// <summary>M6: minutes a password-reset token stays valid.</summary>
    [Range(1, 7 * 24 * 60)] public int PasswordResetMinutes { get; set; } = 60;
}
