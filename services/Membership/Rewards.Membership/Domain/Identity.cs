using System.Net.Mail;
using System.Text.RegularExpressions;
using Rewards.ServiceDefaults;

namespace Rewards.Membership.Domain;

/// <summary>Normalised identity values compared for one-account-per-person (M2).</summary>
public static partial class Identity
{
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static bool IsValidEmail(string email) =>
        email.Length <= 254 && MailAddress.TryCreate(email.Trim(), out var address) && address.Address == email.Trim();

    /// <summary>E.164 after removing spaces, dashes and brackets; null if it is not a phone number.</summary>
    public static string? NormalizePhone(string phone)
    {
        var compact = NonDigitsExceptPlus().Replace(phone, "");
        return E164().IsMatch(compact) ? compact : null;
    }

    /// <summary>Passport numbers are kept only as a keyed hash (of the upper-cased, space-free value).</summary>
    public static string HashPassport(string passportNumber, string key) => IdentityHash.Passport(passportNumber, key);

    /// <summary>Keyed hash of an already normalised identity value.</summary>
    public static string Hash(string normalizedValue, string key) => IdentityHash.Of(normalizedValue, key);

    /// <summary>Whole years between <paramref name="birthDate"/> and <paramref name="today"/>.</summary>
    public static int AgeOn(DateOnly birthDate, DateOnly today)
    {
        var age = today.Year - birthDate.Year;
        return birthDate.AddYears(age) > today ? age - 1 : age;
    }

    [GeneratedRegex(@"[\s\-().]")]
    private static partial Regex NonDigitsExceptPlus();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
