using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Rewards.ServiceDefaults.Http;

/// <summary>Token settings shared by Membership (which signs) and every service (which validates).</summary>
public sealed class JwtOptions
{
    [Required] public string Issuer { get; set; } = "rewards-membership";
    [Required] public string Audience { get; set; } = "rewards";
    /// <summary>HMAC-SHA256 key, at least 32 bytes. The development default lives in appsettings.Development.json.</summary>
    [Required, MinLength(32)] public string SigningKey { get; set; } = "";
    [Range(60, 86400)] public int AccessTokenSeconds { get; set; } = 900;

    public SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(SigningKey));
}

public static class AuthExtensions
{
    public const string OpsPolicy = "ops";
    public const string OpsRole = "ops";

    public static IHostApplicationBuilder AddJwtAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().Bind(builder.Configuration.GetSection("Jwt"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, TimeProvider>((bearer, jwt, clock) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = jwt.Value.Key(),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                    // Lifetime follows the service clock, so tokens behave under the test clock as in real time.
                    LifetimeValidator = (notBefore, expires, _, _) =>
                    {
                        var now = clock.GetUtcNow().UtcDateTime;
                        return (notBefore is null || notBefore <= now.AddSeconds(30)) && (expires is null || expires > now.AddSeconds(-30));
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OpsPolicy, p => p.RequireAuthenticatedUser().RequireRole(OpsRole));
        return builder;
    }

    /// <summary>The member id of a member token (claim "sub").</summary>
    public static Guid MemberId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue("sub"), out var id) ? id : throw new InvalidOperationException("Token has no member id");

    public static string? Email(this ClaimsPrincipal user) => user.FindFirstValue("email");
}
