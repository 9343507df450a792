using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Tests;

/// <summary>M4: lock-out after repeated failed logins, and single-use refresh tokens.</summary>
public sealed class Login_sessions(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Now = new(2027, 9, 1, 10, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> RegisterAsync()
    {
        var email = $"s-{Guid.NewGuid():N}@example.com";
        using var client = service.Host.CreateClient();
        var response = await client.PostAsJsonAsync("/members", new
        {
            email, password = "correct-horse-battery", name = "Seo-yeon Choi", birthDate = "1988-07-02", country = "KR",
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return email;
    }

    private async Task<HttpResponseMessage> LoginAsync(string email, string password)
    {
        using var client = service.Host.CreateClient();
        return await client.PostAsJsonAsync("/auth/token", new { email, password }, Ct);
    }

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var client = service.Host.CreateClient();
        return await client.PostAsJsonAsync("/auth/refresh", new { refreshToken }, Ct);
    }

    private static async Task<string> ProblemTypeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()!;

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_lock_the_account_for_15_minutes_after_5_failed_logins_in_a_row()
    {
        await service.Host.SetClockAsync(Now);
        var email = await RegisterAsync();
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(email, "wrong-password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(email, "correct-horse-battery")).StatusCode); // a success resets the count
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(email, "wrong-password")).StatusCode);

        var locked = await LoginAsync(email, "correct-horse-battery");
        Assert.Equal((HttpStatusCode.Locked, "/problems/locked-out"), (locked.StatusCode, await ProblemTypeAsync(locked)));

        await service.Host.SetClockAsync(Now.AddMinutes(14));
        Assert.Equal(HttpStatusCode.Locked, (await LoginAsync(email, "correct-horse-battery")).StatusCode);
        await service.Host.SetClockAsync(Now.AddMinutes(16));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(email, "correct-horse-battery")).StatusCode);
    }

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_renew_with_a_refresh_token_once_and_revoke_everything_when_a_used_one_comes_back()
    {
        await service.Host.SetClockAsync(Now);
        var email = await RegisterAsync();
        var login = await (await LoginAsync(email, "correct-horse-battery")).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var first = login.GetProperty("refreshToken").GetString()!;

        var renewed = await RefreshAsync(first);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        var body = await renewed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var second = body.GetProperty("refreshToken").GetString()!;
        using (var me = service.Host.ClientWithToken(body.GetProperty("accessToken").GetString()))
        {
            Assert.Equal(email, (await me.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("email").GetString());
        }

        var replayed = await RefreshAsync(first);      // the first token again: stolen?
        var afterTheft = await RefreshAsync(second);   // so the newer one no longer works either

        Assert.Equal((HttpStatusCode.Unauthorized, "/problems/invalid-refresh-token"), (replayed.StatusCode, await ProblemTypeAsync(replayed)));
        Assert.Equal(HttpStatusCode.Unauthorized, afterTheft.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync("not-a-token")).StatusCode);
    }

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_refuse_a_refresh_token_after_30_days()
    {
        await service.Host.SetClockAsync(Now);
        var email = await RegisterAsync();
        var token = (await (await LoginAsync(email, "correct-horse-battery")).Content.ReadFromJsonAsync<JsonElement>(Ct))
            .GetProperty("refreshToken").GetString()!;

        await service.Host.SetClockAsync(Now.AddDays(30).AddMinutes(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(token)).StatusCode);
    }

    [Fact]
    [Trait("Rule", "M6")]
    public async Task Should_refuse_a_reset_token_after_60_minutes()
    {
        await service.Host.SetClockAsync(Now);
        var email = await RegisterAsync();
        using var client = service.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/auth/password-reset", new { email }, Ct)).StatusCode);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var token = await conn.ExecuteScalarAsync<string>(
            "select body->>'token' from outbox_messages where message_type like '%PasswordResetRequested' and body->>'email' = @email", new { email });

        await service.Host.SetClockAsync(Now.AddMinutes(61));
        var late = await client.PostAsJsonAsync("/auth/password-reset/confirm", new { token, newPassword = "too-late-phrase" }, Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "/problems/invalid-reset-token"), (late.StatusCode, await ProblemTypeAsync(late)));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(email, "correct-horse-battery")).StatusCode);
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_say_in_the_token_that_a_member_registered_through_a_social_network()
    {
        var email = $"social-{Guid.NewGuid():N}@example.com";
        using var client = service.Host.CreateClient();
        (await client.PostAsJsonAsync("/members", new
        {
            email, password = "correct-horse-battery", name = "Social Member", birthDate = "1991-03-03", country = "KR", socialProvider = "Kakao",
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct)).EnsureSuccessStatusCode();

        var token = (await (await LoginAsync(email, "correct-horse-battery")).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString()!;

        var claims = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims;
        Assert.Contains(claims, c => c.Type == "social_provider" && c.Value == "kakao");
    }

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_renew_an_ops_login_with_its_refresh_token_once_and_keep_the_ops_role()
    {
        await service.Host.SetClockAsync(Now);
        var login = await LoginAsync(Rewards.Testing.ServiceHost<object>.OpsEmail, Rewards.Testing.ServiceHost<object>.OpsPassword);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var refreshToken = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refreshToken").GetString()!;

        var renewed = await RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        var answer = await renewed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var payload = answer.GetProperty("accessToken").GetString()!.Split('.')[1];
        var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=').Replace('-', '+').Replace('_', '/'))).RootElement;
        Assert.Equal("ops", claims.GetProperty("role").ValueKind == JsonValueKind.Array ? claims.GetProperty("role")[0].GetString() : claims.GetProperty("role").GetString());
        using var ops = service.Host.ClientWithToken(answer.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync("/ops/jobs", Ct)).StatusCode);

        // Used once already: refused, and the newer token is revoked with it (somebody else may hold the old one).
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(refreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(answer.GetProperty("refreshToken").GetString()!)).StatusCode);
    }
}
