namespace Rewards.Orders.Domain;

/// <summary>O7: duty-free orders: the per-departure limit for residents of Korea, and no alcohol or tobacco for minors.</summary>
public static class DutyFree
{
    /// <summary>Null when allowed; otherwise the problem slug and the reason.</summary>
    public static (string Type, string Reason)? Check(decimal orderUsd, decimal alreadyBoughtForDepartureUsd, string residenceCountry,
        DateOnly? birthDate, DateOnly departureDate, IEnumerable<string> itemTypes, ProgramPolicy policy)
    {
        if (string.Equals(residenceCountry, policy.HomeCountry, StringComparison.OrdinalIgnoreCase)
            && alreadyBoughtForDepartureUsd + orderUsd > policy.DutyFreeLimitPerDepartureUsd)
        {
            return ("duty-free-limit-exceeded",
                $"Residents of {policy.HomeCountry} may buy at most USD {policy.DutyFreeLimitPerDepartureUsd:N2} duty-free per departure; "
                + $"USD {alreadyBoughtForDepartureUsd:N2} is already ordered for this one.");
        }
        if (itemTypes.Any(ItemTypes.IsAgeRestricted) && (birthDate is null || AgeOn(birthDate.Value, departureDate) < policy.AdultAge))
            return ("age-restricted-item", $"Alcohol and tobacco are sold only to buyers of {policy.AdultAge} or older.");
        return null;
    }

    private static int AgeOn(DateOnly birthDate, DateOnly day)
    {
        var age = day.Year - birthDate.Year;
        return birthDate.AddYears(age) > day ? age - 1 : age;
    }
}
