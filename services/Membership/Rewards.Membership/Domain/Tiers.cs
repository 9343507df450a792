namespace Rewards.Membership.Domain;

/// <summary>M11: the grade a member's spend over the tier window reaches.</summary>
public static class Tiers
{
    /// <summary>The highest grade whose minimum the spend reaches; the lowest grade when none is reached.</summary>
    public static TierPolicy GradeFor(decimal spendUsd, IReadOnlyList<TierPolicy> tiers)
    {
        var ordered = tiers.OrderBy(t => t.MinimumSpendUsd).ToList();
        return ordered.LastOrDefault(t => spendUsd >= t.MinimumSpendUsd) ?? ordered[0];
    }
}
