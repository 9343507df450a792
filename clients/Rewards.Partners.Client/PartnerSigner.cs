using System.Security.Cryptography;
using System.Text;

namespace Rewards.Partners.Client;

/// <summary>
/// The request signature of the partner API: hex(HMAC-SHA256(secret, METHOD \n path-and-query \n timestamp \n nonce \n
/// hex(SHA-256(body)))), sent with the key id, timestamp and nonce in X-Partner-* headers.
/// </summary>
public static class PartnerSigner
{
    public static string Signature(string secret, string method, string pathAndQuery, long timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var canonical = $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Adds the four headers to <paramref name="request"/>, whose content (if any) is <paramref name="body"/>.</summary>
    public static void Sign(HttpRequestMessage request, string keyId, string secret, DateTimeOffset now, ReadOnlySpan<byte> body, string? nonce = null)
    {
        var timestamp = now.ToUnixTimeSeconds();
        nonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var uri = request.RequestUri ?? throw new ArgumentException("The request needs a URI", nameof(request));
        var pathAndQuery = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        request.Headers.Add("X-Partner-Key", keyId);
        request.Headers.Add("X-Partner-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Partner-Nonce", nonce);
        request.Headers.Add("X-Partner-Signature", Signature(secret, request.Method.Method, pathAndQuery, timestamp, nonce, body));
    }
}
