using System.Security.Cryptography;
using System.Text;

namespace Rewards.ServiceDefaults;

/// <summary>
/// Keyed hashes (HMAC-SHA256) of identity values, so services can compare them without keeping them (M2, M3, O7).
/// Membership and Orders use the same key and normalisation, so their passport hashes match.
/// </summary>
public static class IdentityHash
{
    /// <summary>Hash of an already normalised value.</summary>
    public static string Of(string normalizedValue, string key) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(normalizedValue)));

    /// <summary>Passport numbers are compared upper-cased and without spaces.</summary>
    public static string Passport(string passportNumber, string key) =>
        Of(passportNumber.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(), key);
}
