using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>
/// Authenticates partner requests by their signature: <c>X-Partner-Signature</c> =
/// hex(HMAC-SHA256(secret, method \n path-and-query \n timestamp \n nonce \n hex(SHA-256(body)))) under the key named
/// by <c>X-Partner-Key</c>, with <c>X-Partner-Timestamp</c> (Unix seconds) within ±5 minutes of the Ledger's clock and
/// <c>X-Partner-Nonce</c> never seen before for that key. Anything else is a 401 problem that says what was wrong,
/// and nothing is written (a nonce is recorded only for a request that passed every other check).
/// </summary>
public sealed class PartnerSignatureHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    NpgsqlDataSource db, PartnerKeyDirectory directory, TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PartnerSignature";
    public const string Policy = "partner";
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);
    private const string FailureItem = "partner-auth-failure";

    private sealed record Failure(string Type, string Title, string Detail);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        string keyId = headers["X-Partner-Key"].ToString(), timestamp = headers["X-Partner-Timestamp"].ToString(),
            nonce = headers["X-Partner-Nonce"].ToString(), signature = headers["X-Partner-Signature"].ToString();
        if (keyId.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
            return Fail("partner-signature-missing", "The request is not signed",
                "Partner requests carry X-Partner-Key, X-Partner-Timestamp, X-Partner-Nonce and X-Partner-Signature.");
        var now = clock.GetUtcNow();
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(now.ToUnixTimeSeconds() - seconds) > AllowedSkew.TotalSeconds)
            return Fail("partner-timestamp-out-of-range", "The timestamp is too far from the Ledger's clock",
                $"X-Partner-Timestamp must be Unix seconds within ±{AllowedSkew.TotalMinutes:0} minutes of {now.ToUnixTimeSeconds()}.");
        if (nonce.Length is < 8 or > 128)
            return Fail("partner-signature-invalid", "The nonce is malformed", "X-Partner-Nonce must have 8 to 128 characters.");

        var ct = Context.RequestAborted;
        var key = await directory.FindAsync(keyId, ct);
        if (key is null) return Fail("partner-key-unknown", "Unknown partner key", $"There is no partner key '{keyId}'.");

        var expected = HMACSHA256.HashData(key.Secret,
            Encoding.UTF8.GetBytes(Canonical(Request.Method, PathAndQuery(), timestamp, nonce, await BodyHashAsync(ct))));
        if (!TryFromHex(signature, out var given) || !CryptographicOperations.FixedTimeEquals(expected, given))
            return Fail("partner-signature-invalid", "The signature does not match",
                "Sign method, path and query, timestamp, nonce and the hex SHA-256 of the body, each on its own line, with the key's secret.");
        if (key.RevokedAt is not null || key.ExpiresAt <= now)
            return Fail("partner-key-revoked", "The partner key is no longer valid",
                $"Key '{keyId}' was {(key.RevokedAt is not null ? "revoked" : "replaced by a newer key")}; use the current key.");
        if (key.Status != "active")
            return Fail("partner-suspended", "The partner is suspended", "Requests are refused until the partnership is active again.");

        // A request that batches its writes claims its nonce with them; any other claims it now.
        var claim = new PartnerNonce(keyId, nonce);
        if (Context.GetEndpoint()?.Metadata.GetMetadata<BatchedIdempotency>() is not null) Context.Features.Set(claim);
        else
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            if ((await PartnerNonces.ClaimAsync(conn, null, [claim], now, ct)).Count == 0) return NonceReused();
        }

        var partner = key.Partner;
        Context.Features.Set(partner);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", $"partner:{partner.Id}"), new Claim("partner_key", keyId)], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private static readonly Failure NonceUsed =
        new("partner-nonce-reused", "The nonce was used before", "Every request needs a new X-Partner-Nonce, retries included.");

    /// <summary>The refusal of a replayed nonce, for the endpoints that claim it with their writes.</summary>
    public static ProblemHttpResult NonceReusedProblem() => Problems.Of(401, NonceUsed.Type, NonceUsed.Title, NonceUsed.Detail);

    private AuthenticateResult NonceReused() => Fail(NonceUsed.Type, NonceUsed.Title, NonceUsed.Detail);

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items[FailureItem] as Failure
                      ?? new Failure("partner-signature-missing", "The request is not signed", "Partner requests must be signed.");
        await Problems.Of(401, failure.Type, failure.Title, failure.Detail).ExecuteAsync(Context);
    }

    /// <summary>The text that is signed, one part per line.</summary>
    public static string Canonical(string method, string pathAndQuery, string timestamp, string nonce, string bodyHashHex) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{bodyHashHex}";

    private AuthenticateResult Fail(string type, string title, string detail)
    {
        Context.Items[FailureItem] = new Failure(type, title, detail);
        return AuthenticateResult.Fail(title);
    }

    /// <summary>The request target as the client sent it (what it signed).</summary>
    private string PathAndQuery() =>
        Context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw[0] == '/'
            ? raw
            : $"{Request.PathBase}{Request.Path}{Request.QueryString}";

    private async Task<string> BodyHashAsync(CancellationToken ct)
    {
        Request.EnableBuffering();
        var hash = await SHA256.HashDataAsync(Request.Body, ct);
        Request.Body.Position = 0;
        return Convert.ToHexStringLower(hash);
    }

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length != 64) return false;
        try { bytes = Convert.FromHexString(hex); }
        catch (FormatException) { return false; }
        return true;
    }
}

/// <summary>
/// The partner a signed request comes from, as its key's look-up found it (so changes by ops apply at once); the
/// handler sets it as a request feature.
/// </summary>
public sealed record Partner(Guid Id, string Name, string Channel, decimal EarnRate, bool RedemptionAllowed, int RequestsPerSecond)
{
    public static Partner Of(HttpContext context) =>
        context.Features.Get<Partner>() ?? throw new InvalidOperationException("Not a signed partner request");
}
