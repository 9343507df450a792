using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace Rewards.ServiceDefaults.Marketing;

/// <summary>
/// M10/N3: the unsubscribe link in every marketing mail, bound from configuration section "Marketing" in both the
/// service that writes the link (Notifications) and the one that owns the consent and honours it (Membership).
/// The token names the member and carries an HMAC of the member id under <see cref="UnsubscribeKey"/>, so nobody can
/// opt out somebody else, and it needs no login. It never expires: a link in an old mail must still work.
/// </summary>
public sealed class UnsubscribeLinks
{
    /// <summary>Secret shared by Membership and Notifications. Development default in appsettings.Development.json.</summary>
    [Required, MinLength(16)] public string UnsubscribeKey { get; set; } = "";
    /// <summary>Membership's public unsubscribe page; the token is appended as ?token=.</summary>
    [Required] public string UnsubscribeUrl { get; set; } = "http://127.0.0.1:5101/unsubscribe";

    public string LinkFor(Guid memberId) => $"{UnsubscribeUrl}?token={TokenFor(memberId)}";

    public string TokenFor(Guid memberId)
    {
        var id = memberId.ToByteArray();
        return Base64Url.EncodeToString([.. id, .. Mac(id)]);
    }

    public bool TryRead(string? token, out Guid memberId)
    {
        memberId = Guid.Empty;
        if (token is null || token.Length > 64) return false;
        byte[] raw;
        try { raw = Base64Url.DecodeFromChars(token); }
        catch (FormatException) { return false; }
        if (raw.Length != 32 || !CryptographicOperations.FixedTimeEquals(Mac(raw[..16]), raw.AsSpan(16))) return false;
        memberId = new Guid(raw.AsSpan(0, 16));
        return true;
    }

    private byte[] Mac(byte[] memberId)
    {
        byte[] message = [.. "unsubscribe:"u8, .. memberId];
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(UnsubscribeKey), message).AsSpan(0, 16).ToArray();
    }
}
