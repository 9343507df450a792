namespace Rewards.Contracts.Membership;

/// <summary>A person joined. <see cref="NewMemberBenefits"/> is false on re-registration after withdrawal (M3).</summary>
public sealed record MemberRegistered
{
    public required Guid MemberId { get; init; }
    public required string Email { get; init; }
    public required string Name { get; init; }
    public required string Country { get; init; }
    public required bool MarketingOptIn { get; init; }
    public required bool NewMemberBenefits { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
}

/// <summary>M7: the member withdrew; their points stay usable until <see cref="GraceEndsAt"/> and are then forfeited (L14).</summary>
public sealed record MemberWithdrawn
{
    public required Guid MemberId { get; init; }
    public string? Reason { get; init; }
    public required DateTimeOffset At { get; init; }
    public required DateTimeOffset GraceEndsAt { get; init; }
}

/// <summary>
/// M8/M9: the member was disqualified. Points go at <see cref="GraceEndsAt"/> (L14); the credits named in
/// <see cref="UnauthorisedPostingIds"/> are forfeited at once.
/// </summary>
public sealed record MemberDisqualified
{
    /// <summary>Distinguishes a second disqualification after a reinstatement; empty from older publishers.</summary>
    public Guid DisqualificationId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
    public required DateTimeOffset GraceEndsAt { get; init; }
    public IReadOnlyList<Guid> UnauthorisedPostingIds { get; init; } = [];
}

/// <summary>M8: ops reinstated the member; a forfeiture still in its grace period is called off.</summary>
public sealed record MemberReinstated
{
    public required Guid MemberId { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>M5/M7: the member's personal data was erased; any points left are forfeited at once (L14).</summary>
public sealed record MemberErased
{
    public required Guid MemberId { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>M1: the member changed their profile (never the login e-mail); <see cref="Changed"/> names the fields.</summary>
public sealed record MemberProfileChanged
{
    public required Guid MemberId { get; init; }
    public required string Name { get; init; }
    public required string Country { get; init; }
    public string? Phone { get; init; }
    public required IReadOnlyList<string> Changed { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>M10: the member opted in to or out of marketing e-mail.</summary>
public sealed record MarketingConsentChanged
{
    public required Guid MemberId { get; init; }
    public required bool OptIn { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// M6: "find password". Carries the single-use reset token for the e-mail; only its hash is kept by Membership, and
/// it stops working at <see cref="ExpiresAt"/> or after one use.
/// </summary>
public sealed record PasswordResetRequested
{
    public required Guid RequestId { get; init; }
    public required Guid MemberId { get; init; }
    public required string Email { get; init; }
    public required string Name { get; init; }
    public required string Token { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>M5: the member has not logged in for a while and becomes dormant at <see cref="DormantAt"/> unless they log in.</summary>
public sealed record MemberDormancyWarning
{
    public required Guid WarningId { get; init; }
    public required Guid MemberId { get; init; }
    public required DateTimeOffset LastActivityAt { get; init; }
    public required DateTimeOffset DormantAt { get; init; }
}

/// <summary>M5: the member became dormant; logging in reactivates them, otherwise they are erased at <see cref="ErasureAt"/>.</summary>
public sealed record MemberWentDormant
{
    public required Guid DormancyId { get; init; }
    public required Guid MemberId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required DateTimeOffset ErasureAt { get; init; }
}

/// <summary>M9: ops marked the member a problem customer: login, purchases and benefits are suspended.</summary>
public sealed record MemberSuspended
{
    public required Guid MemberId { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>M9: ops lifted the problem-customer mark; the member is active again.</summary>
public sealed record MemberSuspensionLifted
{
    public required Guid MemberId { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>M11: the member's grade changed; <see cref="EarnMultiplier"/> scales the earn rate (L3).</summary>
public sealed record MemberTierChanged
{
    public required Guid MemberId { get; init; }
    public required string Tier { get; init; }
    public required string PreviousTier { get; init; }
    public required decimal EarnMultiplier { get; init; }
    public required decimal SpendLast12MonthsUsd { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// N1/M1: ops published new terms, in force from <see cref="EffectiveFrom"/>; every member gets a notice once. The
/// notice period is at least 7 days, 30 when <see cref="Unfavourable"/> to members.
/// </summary>
public sealed record TermsChangeAnnounced
{
    public required string Version { get; init; }
    public required DateOnly EffectiveFrom { get; init; }
    public required string Url { get; init; }
    public required string Summary { get; init; }
    public required bool Unfavourable { get; init; }
    public required DateTimeOffset At { get; init; }
}
