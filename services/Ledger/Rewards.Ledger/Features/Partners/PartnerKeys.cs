using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace Rewards.Ledger.Features.Partners;

/// <summary>Configuration section "Partners".</summary>
public sealed class PartnerOptions
{
    /// <summary>
    /// Master secret: partner API secrets are stored encrypted under a key derived from it (AES-256-GCM), and member
    /// card tokens are signed with another. Development default in appsettings.Development.json.
    /// </summary>
    [Required, MinLength(32)] public string SecretKey { get; set; } = "";
    /// <summary>How long a member card token (the QR code in the member's app) is accepted for.</summary>
    [Range(1, 60)] public int MemberTokenMinutes { get; set; } = 10;
}

/// <summary>
/// The secrets of the partner API: new key ids and secrets, their encryption at rest (the Ledger needs the secret
/// itself to check a signature, so it cannot keep only a hash), and the signed member card tokens (L16).
/// </summary>
public sealed class PartnerKeys(Microsoft.Extensions.Options.IOptions<PartnerOptions> options)
{
    private readonly byte[] _encryptionKey = Derive(options.Value.SecretKey, "rewards partner api secrets");
    private readonly byte[] _tokenKey = Derive(options.Value.SecretKey, "rewards member card tokens");

    public TimeSpan MemberTokenLifetime => TimeSpan.FromMinutes(options.Value.MemberTokenMinutes);

    private static byte[] Derive(string secret, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: Encoding.UTF8.GetBytes(purpose));

    public static string NewKeyId() => "pk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static string NewSecret() => "psk_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>AES-256-GCM with the key id as associated data: nonce ‖ tag ‖ ciphertext.</summary>
    public byte[] Encrypt(string keyId, string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedSecret = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(sealedSecret.AsSpan(0, 12));
        using var aes = new AesGcm(_encryptionKey, 16);
        aes.Encrypt(sealedSecret.AsSpan(0, 12), plain, sealedSecret.AsSpan(28), sealedSecret.AsSpan(12, 16), Encoding.UTF8.GetBytes(keyId));
        return sealedSecret;
    }

    public byte[] Decrypt(string keyId, byte[] sealedSecret)
    {
        var plain = new byte[sealedSecret.Length - 28];
        using var aes = new AesGcm(_encryptionKey, 16);
        aes.Decrypt(sealedSecret.AsSpan(0, 12), sealedSecret.AsSpan(28), sealedSecret.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(keyId));
        return plain;
    }

    /// <summary>A member card token: <c>card number . expiry (Unix seconds) . MAC</c>, for the member's QR code.</summary>
    public string MemberToken(string cardNumber, DateTimeOffset expiresAt)
    {
        var payload = $"{cardNumber}.{expiresAt.ToUnixTimeSeconds()}";
        return $"{payload}.{Base64Url.EncodeToString(TokenMac(payload))}";
    }

    /// <summary>The card number of a token that is genuine and not expired at <paramref name="now"/>.</summary>
    public string? CardOfToken(string token, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[1], out var expires) || expires < now.ToUnixTimeSeconds()) return null;
        byte[] mac;
        try { mac = Base64Url.DecodeFromChars(parts[2]); }
        catch (FormatException) { return null; }
        return CryptographicOperations.FixedTimeEquals(mac, TokenMac($"{parts[0]}.{parts[1]}")) ? parts[0] : null;
    }

    private byte[] TokenMac(string payload) => HMACSHA256.HashData(_tokenKey, Encoding.UTF8.GetBytes(payload)).AsSpan(0, 16).ToArray();
}
