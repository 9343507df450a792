using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ops.Console;

/// <summary>
/// Logs ops staff in with their ops account: Membership's <c>POST /auth/token</c> issues the token, the console checks
/// its signature and the <c>ops</c> role and keeps it in an encrypted, HTTP-only cookie for as long as it is valid.
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
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            var token = answer.GetProperty("accessToken").GetString()!;
            var expiresIn = answer.TryGetProperty("expiresIn", out var e) && e.TryGetInt32(out var seconds) ? seconds : 900;

            // Issued to us by Membership just now; the signature and the role are what matter. Its lifetime follows
            // Membership's clock, which under the test clock need not be ours: the session's own expiry is set below.
            var parameters = bearer.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters.Clone();
            parameters.ValidateLifetime = false;
            var validated = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
            if (!validated.IsValid) return "Membership issued a token this console cannot verify (check Jwt settings).";
            if (!validated.ClaimsIdentity.HasClaim("role", AuthExtensions.OpsRole)) return "This is not an ops account. Only ops staff can use the console.";

            var identity = new ClaimsIdentity(
                validated.ClaimsIdentity.Claims.Where(c => c.Type is "sub" or "email" or "name" or "role")
                    .Append(new Claim(OpsApi.AccessTokenClaim, token)),
                OpsConsoleModule.Scheme, "email", "role");
            await context.SignInAsync(OpsConsoleModule.Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
            {
                IsPersistent = false,
                ExpiresUtc = clock.GetUtcNow().AddSeconds(Math.Max(60, expiresIn - 30)),
            });
            logger.LogInformation("Ops user {OpsUser} logged in to the console", validated.ClaimsIdentity.FindFirst("sub")?.Value);
            return null;
        }
    }
}
