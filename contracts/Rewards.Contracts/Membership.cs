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
    public required DateTimeOffset At { get; init; }
    public required DateTimeOffset GraceEndsAt { get; init; }
}

/// <summary>
/// M8/M9: the member was disqualified. Points go at <see cref="GraceEndsAt"/> (L14); the credits named in
/// <see cref="UnauthorisedPostingIds"/> are forfeited at once.
/// </summary>
public sealed record MemberDisqualified
{
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
