using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Auth;

/// <summary><see cref="RefreshToken"/> is null for ops logins, which are not renewed.</summary>
/// <param name="AccessToken">JWT to send as Authorization: Bearer …</param>
/// <param name="TokenType">Bearer.</param>
/// <param name="ExpiresIn">Seconds the access token is valid.</param>
/// <param name="RefreshToken">Single-use token for POST /auth/refresh (30 days for members, 12 h for ops).</param>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string? RefreshToken = null);

/// <summary>Signs the access tokens every service validates (HMAC-SHA256, settings under "Jwt").</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>
    /// A social-network registration is carried as claim <c>social_provider</c>, so Orders can apply O8 without asking;
    /// the member's country as claim <c>country</c>, the residence Orders assumes for a duty-free order (O7).
    /// </summary>
    public TokenResponse Issue(Guid subject, string email, string name, IEnumerable<string> roles, string? socialProvider = null, string? country = null)
    {
        var jwt = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new("sub", subject.ToString()), new("email", email), new("name", name) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (socialProvider is not null) claims.Add(new Claim("social_provider", socialProvider));
        if (country is not null) claims.Add(new Claim("country", country));
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(jwt.AccessTokenSeconds),
            SigningCredentials = new SigningCredentials(jwt.Key(), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, "Bearer", jwt.AccessTokenSeconds);
    }
}
