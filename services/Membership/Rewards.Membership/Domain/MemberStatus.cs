namespace Rewards.Membership.Domain;

/// <summary>What a member's status allows (M4, M7–M9).</summary>
public static class MemberStatus
{
    public const string Active = "active";
    public const string Dormant = "dormant";
    public const string Withdrawn = "withdrawn";
    public const string Disqualified = "disqualified";
    public const string Suspended = "suspended";
    public const string Erased = "erased";

    /// <summary>
    /// Login is allowed to active and dormant members, and to withdrawn or disqualified members until their grace
    /// period ends, so they can still use their points (L14). Problem customers cannot log in (M9).
    /// </summary>
    public static bool MayLogIn(string status, DateTimeOffset? graceEndsAt, DateTimeOffset now) => status switch
    {
        Active or Dormant => true,
        Withdrawn or Disqualified => graceEndsAt > now,
        _ => false,
    };

    /// <summary>M3: a new registration matching this former or current member is refused outright.</summary>
    public static bool BarsRejoining(string status, bool problemCustomer) => problemCustomer || status is Disqualified or Suspended;

    /// <summary>M3: a matching member this status holds the identity, so the registration is a duplicate.</summary>
    public static bool HoldsIdentity(string status) => status is Active or Dormant;
}
