using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Rewards.Membership.Tests;

/// <summary>Membership logging everything it can (Debug, request logging on), so a test can read the logs for secrets.</summary>
public sealed class VerboseMembershipService : MembershipService
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Debug",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug",
        ["Serilog:MinimumLevel:Override:MassTransit"] = "Debug",
    };
}

/// <summary>Security of member data: tokens are per member, and passwords and passport numbers never leave the service.</summary>
public sealed class Secrets_stay_secret(VerboseMembershipService service) : IClassFixture<VerboseMembershipService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M1")]
    [Trait("Rule", "M2")]
    [Trait("Rule", "M6")]
    public async Task Should_keep_passwords_and_passport_numbers_out_of_every_log_line_and_response()
    {
        await service.Host.SetClockAsync(DateTimeOffset.UtcNow);
        const string password = "Secret-Password-7781";
        const string newPassword = "Second-Secret-8892";
        const string passport = "X98765432";
        var email = MembershipService.NewEmail("secret");
        var bodies = new List<string>();
        using var anonymous = service.Host.CreateClient();

        async Task<HttpResponseMessage> Keep(Task<HttpResponseMessage> call)
        {
            var response = await call;
            bodies.Add(await response.Content.ReadAsStringAsync(Ct));
            return response;
        }

        var memberId = (await (await Keep(anonymous.PostAsJsonAsync("/members", new
        {
            email, password, name = "Do-yun Secret", birthDate = "1985-02-14", country = "KR", passportNumber = passport,
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct))).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("memberId").GetGuid();
        await Keep(anonymous.PostAsJsonAsync("/members", new   // a duplicate, refused
        {
            email = MembershipService.NewEmail("dup"), password, name = "Do-yun Secret", birthDate = "1985-02-14", country = "KR",
            passportNumber = passport, termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct));
        await Keep(anonymous.PostAsJsonAsync("/auth/token", new { email, password = password + "-wrong" }, Ct));
        using (var member = await service.ClientAsync(email, password))
        {
            await Keep(member.GetAsync("/members/me", Ct));
            await Keep(member.PatchAsJsonAsync("/members/me", new { password = newPassword }, Ct));
        }
        await Keep(anonymous.PostAsJsonAsync("/auth/token", new { email, password = newPassword }, Ct));
        using (var ops = await service.OpsClientAsync())
        {
            await Keep(ops.GetAsync($"/ops/members/{memberId}", Ct));
        }

        var logs = service.Host.Logs.Lines;
        Assert.Contains(logs, l => l.Contains("/members", StringComparison.Ordinal)); // the capture works: requests are logged
        foreach (var secret in new[] { password, newPassword, passport, Rewards.Testing.ServiceHost<ProgramPolicy>.OpsPassword })
        {
            Assert.DoesNotContain(logs, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bodies, b => b.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_refuse_a_token_not_signed_by_Membership_and_read_only_the_callers_own_profile()
    {
        var email = MembershipService.NewEmail("own");
        var otherEmail = MembershipService.NewEmail("theirs");
        await service.RegisterAsync(email);
        var otherId = await service.RegisterAsync(otherEmail);

        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "rewards-membership", Audience = "rewards", Expires = DateTime.UtcNow.AddHours(1),
            Subject = new ClaimsIdentity([new Claim("sub", otherId.ToString()), new Claim("role", "ops")]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes("someone-elses-key-0123456789-0123456789")),
                SecurityAlgorithms.HmacSha256),
        });
        using var forger = service.Host.ClientWithToken(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.GetAsync("/members/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.GetAsync($"/ops/members/{otherId}", Ct)).StatusCode);

        using var member = await service.ClientAsync(email);
        var me = await member.GetFromJsonAsync<System.Text.Json.JsonElement>("/members/me", Ct);
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"/ops/members/{otherId}", Ct)).StatusCode);
    }
}
