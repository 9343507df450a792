using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Rewards.Testing;

/// <summary>Tokens signed like Membership signs them, for tests of a service on its own.</summary>
public static class TestTokens
{
    public static string Member(Guid memberId, string email, string name = "Test Member", string? socialProvider = null, string? country = null) =>
        Create(memberId, email, name, [], socialProvider, country);

    public static string Ops() => Create(Guid.Parse("00000000-0000-7000-8000-0000000000aa"), ServiceHost<object>.OpsEmail, "Ops", ["ops"]);

    private static string Create(Guid subject, string email, string name, string[] roles, string? socialProvider = null, string? country = null)
    {
        var claims = new List<Claim> { new("sub", subject.ToString()), new("email", email), new("name", name) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (socialProvider is not null) claims.Add(new Claim("social_provider", socialProvider));
        if (country is not null) claims.Add(new Claim("country", country));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "rewards-membership",
            Audience = "rewards",
            Subject = new ClaimsIdentity(claims),
            Expires = DateTime.UtcNow.AddYears(100), // tests move service clocks decades ahead
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ServiceHost<object>.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
