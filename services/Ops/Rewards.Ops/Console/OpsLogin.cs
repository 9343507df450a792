using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ops.Console;

/// <summary>
/// Logs ops staff in with their ops account: Membership's <c>POST /auth/token</c> issues the token, the console checks
/// its signature and the <c>ops</c> role and keeps it, with its refresh token, in an encrypted, HTTP-only cookie.
/// </summary>
public sealed class OpsLogin(
    IHttpClientFactory http, IOptions<ServiceDirectory> services, TimeProvider clock, IOptionsMonitor<JwtBearerOptions> bearer, ILogger<OpsLogin> logger)
{
    /// <summary>Null when logged in; otherwise what to tell the person at the login form.</summary>
    public async Task<string?> LogInAsync(HttpContext context, string email, string password, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(OpsApi.HttpClientName)
                .PostAsJsonAsync(new Uri(services.Value.UrlOf("Membership"), "/auth/token"), new { email, password }, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Membership did not answer an ops login: {Error}", ex.Message);
            return "Membership is not reachable, so nobody can log in right now. Try again in a moment.";
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                return (int)response.StatusCode is 401 or 403 or 423 ? "Wrong e-mail or password." : $"Membership answered {(int)response.StatusCode}; try again.";
            var (identity, refusal) = await SessionOfAsync(await response.Content.ReadFromJsonAsync<JsonElement>(ct));
            if (identity is null) return refusal;
            await context.SignInAsync(OpsConsoleModule.Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
            logger.LogInformation("Ops user {OpsUser} logged in to the console", identity.FindFirst("sub")?.Value);
            return null;
        }
    }

    /// <summary>
    /// The cookie's check on every request: shortly before the ops token expires it is exchanged for a new one with the
    /// refresh token (Membership's <c>POST /auth/refresh</c>); when that is refused the session ends and the login form
    /// follows. A session therefore lasts as long as Membership keeps renewing it (<c>Ops:RefreshTokenHours</c>).
    /// </summary>
    public async Task RefreshIfDueAsync(CookieValidatePrincipalContext context)
    {
        var identity = context.Principal?.Identity as ClaimsIdentity;
        if (identity is null || !long.TryParse(identity.FindFirst(ExpiresClaim)?.Value, out var expires)) return;
        if (clock.GetUtcNow().ToUnixTimeSeconds() < expires - RenewBeforeSeconds) return;

        var renewed = identity.FindFirst(RefreshClaim)?.Value is { } refreshToken
            ? await RenewOnceAsync(refreshToken, context.HttpContext.RequestAborted)
            : null;
        if (renewed is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(OpsConsoleModule.Scheme);
            return;
        }
        context.ReplacePrincipal(new ClaimsPrincipal(renewed));
        context.ShouldRenew = true;
    }

    /// <summary>
    /// A refresh token is single-use, and Membership revokes every token of an account whose used token comes again.
    /// A browser sends several requests at once (a page and its stylesheet) with the same cookie, so the requests of one
    /// session share one renewal; its result is kept for two minutes for requests still carrying the old cookie.
    /// </summary>
    private async Task<ClaimsIdentity?> RenewOnceAsync(string refreshToken, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var stale in Renewals.Where(r => now - r.Value.StartedAt > TimeSpan.FromMinutes(2)).ToList())
            Renewals.TryRemove(stale);
        var renewal = Renewals.GetOrAdd(refreshToken, token => (now, new Lazy<Task<ClaimsIdentity?>>(() => RenewAsync(token, CancellationToken.None))));
        return await renewal.Identity.Value.WaitAsync(ct);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset StartedAt, Lazy<Task<ClaimsIdentity?>> Identity)> Renewals = new();

    private async Task<ClaimsIdentity?> RenewAsync(string refreshToken, CancellationToken ct)
    {
        try
        {
            using var response = await http.CreateClient(OpsApi.HttpClientName).PostAsJsonAsync(
                new Uri(services.Value.UrlOf("Membership"), "/auth/refresh"), new { refreshToken }, ct);
            if (!response.IsSuccessStatusCode) return null;
            return (await SessionOfAsync(await response.Content.ReadFromJsonAsync<JsonElement>(ct))).Identity;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Membership did not answer a console session refresh: {Error}", ex.Message);
            return null;
        }
    }

    private const int RenewBeforeSeconds = 60;
    private const string RefreshClaim = "refresh_token";
    private const string ExpiresClaim = "access_expires";

    /// <summary>The session's identity from Membership's token answer, or why there is none.</summary>
    private async Task<(ClaimsIdentity? Identity, string? Refusal)> SessionOfAsync(JsonElement answer)
    {
        var token = answer.GetProperty("accessToken").GetString()!;
        var expiresIn = answer.TryGetProperty("expiresIn", out var e) && e.TryGetInt32(out var seconds) ? seconds : 900;

        // Issued to us by Membership just now; the signature and the role are what matter. Its lifetime follows
        // Membership's clock, which under the test clock need not be ours: the session keeps its own expiry.
        var parameters = bearer.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters.Clone();
        parameters.ValidateLifetime = false;
        var validated = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
        if (!validated.IsValid) return (null, "Membership issued a token this console cannot verify (check Jwt settings).");
        if (!validated.ClaimsIdentity.HasClaim("role", AuthExtensions.OpsRole)) return (null, "This is not an ops account. Only ops staff can use the console.");

        var claims = validated.ClaimsIdentity.Claims.Where(c => c.Type is "sub" or "email" or "name" or "role").ToList();
        claims.Add(new Claim(OpsApi.AccessTokenClaim, token));
        claims.Add(new Claim(ExpiresClaim, (clock.GetUtcNow().ToUnixTimeSeconds() + expiresIn).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (answer.TryGetProperty("refreshToken", out var refresh) && refresh.GetString() is { } refreshToken) claims.Add(new Claim(RefreshClaim, refreshToken));
        return (new ClaimsIdentity(claims, OpsConsoleModule.Scheme, "email", "role"), null);
    }
}
