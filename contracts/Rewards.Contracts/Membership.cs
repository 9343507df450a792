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
