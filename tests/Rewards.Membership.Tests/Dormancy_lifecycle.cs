using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Tests;

/// <summary>M5 by the clock: 335 days → warning, 365 → dormant, login → active, 365 more dormant days → erased.</summary>
public sealed class Dormancy_lifecycle(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Start = new(2027, 1, 4, 9, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> OpsViewAsync(Guid memberId)
    {
        using var ops = await service.OpsClientAsync();
        return await ops.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}", Ct);
    }

    [Fact]
    [Trait("Rule", "M5")]
    [Trait("Rule", "M3")]
    public async Task Should_warn_make_dormant_reactivate_on_login_and_erase_every_trace_of_personal_data()
    {
        await service.Host.SetClockAsync(Start);
        var returning = MembershipService.NewEmail("returning");
        var leaving = MembershipService.NewEmail("leaving");
        var returningId = await service.RegisterAsync(returning, name: "Returning Member");
        var leavingId = await service.RegisterAsync(leaving, phone: "+821055501234", passportNumber: "M55501234", name: "Seo-jun Before");
        // The member to be erased also leaves sessions, a reset token and a replayable response behind.
        using (var member = await service.ClientAsync(leaving))
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, "/members/me") { Content = JsonContent.Create(new { name = "Seo-jun Leaving" }) };
            patch.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            (await member.SendAsync(patch, Ct)).EnsureSuccessStatusCode();
            (await member.PostAsJsonAsync("/auth/password-reset", new { email = leaving }, Ct)).EnsureSuccessStatusCode();
        }
        var lastLogin = (await OpsViewAsync(leavingId)).GetProperty("lastLoginAt").GetDateTimeOffset();

        await service.Host.SetClockAsync(lastLogin.AddDays(334));
        Assert.StartsWith("warned 0, made dormant 0", await service.RunJobAsync("dormancy"), StringComparison.Ordinal);

        await service.Host.SetClockAsync(lastLogin.AddDays(335).AddMinutes(1));
        Assert.StartsWith("warned 2, made dormant 0", await service.RunJobAsync("dormancy"), StringComparison.Ordinal);
        Assert.StartsWith("warned 0, made dormant 0", await service.RunJobAsync("dormancy"), StringComparison.Ordinal);
        var warning = await service.LastEventAsync(leavingId, "MemberDormancyWarning");
        Assert.Equal(lastLogin.AddDays(365), warning.GetProperty("dormantAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));

        await service.Host.SetClockAsync(lastLogin.AddDays(365).AddMinutes(1));
        Assert.StartsWith("warned 0, made dormant 2", await service.RunJobAsync("dormancy"), StringComparison.Ordinal);
        Assert.StartsWith("warned 0, made dormant 0", await service.RunJobAsync("dormancy"), StringComparison.Ordinal);
        var dormant = await OpsViewAsync(leavingId);
        Assert.Equal("dormant", dormant.GetProperty("status").GetString());
        Assert.Equal(lastLogin.AddDays(365), dormant.GetProperty("dormantSince").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(["MemberRegistered", "MemberProfileChanged", "PasswordResetRequested", "MemberDormancyWarning", "MemberWentDormant"],
            await service.EventsAsync(leavingId));

        // M4: logging in reactivates a dormant member, with no restriction.
        using (var back = await service.ClientAsync(returning))
        {
            Assert.Equal("active", (await back.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("status").GetString());
        }

        await service.Host.SetClockAsync(lastLogin.AddDays(730).AddMinutes(2));
        // The returning member's year since that login is up too: dormant again, while the other one is erased.
        Assert.Equal("warned 0, made dormant 1, erased 1 dormant and 0 withdrawn members", await service.RunJobAsync("dormancy"));
        Assert.Equal("warned 0, made dormant 0, erased 0 dormant and 0 withdrawn members", await service.RunJobAsync("dormancy"));
        Assert.Equal("dormant", (await OpsViewAsync(returningId)).GetProperty("status").GetString());

        var erased = await OpsViewAsync(leavingId);
        Assert.Equal("erased", erased.GetProperty("status").GetString());
        foreach (var field in new[] { "email", "name", "birthDate", "country", "phone" })
            Assert.Equal(JsonValueKind.Null, erased.GetProperty(field).ValueKind);
        Assert.Equal("MemberErased", (await service.EventsAsync(leavingId))[^1]);
        await AssertNowhereInTheDatabaseAsync(leaving, "Seo-jun Before", "Seo-jun Leaving", "+821055501234", "M55501234");
        Assert.Equal(HttpStatusCode.Unauthorized, (await service.LoginAsync(leaving)).StatusCode);

        // M3: the person may join again (the identity hashes recognise them), without new-member benefits.
        var rejoinedId = await service.RegisterAsync(leaving, phone: "+82 10 5550 1234");
        Assert.False((await service.LastEventAsync(rejoinedId, "MemberRegistered")).GetProperty("newMemberBenefits").GetBoolean());
    }

    /// <summary>Searches every row of every table, as text, for each value.</summary>
    private async Task AssertNowhereInTheDatabaseAsync(params string[] values)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var tables = (await conn.QueryAsync<string>(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")).ToList();
        Assert.Contains("members", tables);
        foreach (var table in tables)
        {
            foreach (var value in values)
            {
                var hits = await conn.ExecuteScalarAsync<long>(
                    $"select count(*) from \"{table}\" t where t::text ilike '%' || @value || '%'", new { value });
                Assert.True(hits == 0, $"'{value}' is still in {table}");
            }
        }
    }
}
