using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Tests;

/// <summary>M1/M10: PATCH /members/me changes anything but the login ID, effective at once, and says so by event.</summary>
public sealed class Profile_changes(MembershipService service) : IClassFixture<MembershipService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Registers a member and logs in; returns the e-mail and a client with the member's token.</summary>
    private async Task<(string Email, Guid MemberId, HttpClient Client)> MemberAsync(string? phone = null)
    {
        var email = $"p-{Guid.NewGuid():N}@example.com";
        using var anonymous = service.Host.CreateClient();
        var registered = await anonymous.PostAsJsonAsync("/members", new
        {
            email, password = "correct-horse-battery", name = "Ji-woo Park", birthDate = "1990-01-20", country = "KR", phone,
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var memberId = (await registered.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("memberId").GetGuid();
        var login = await anonymous.PostAsJsonAsync("/auth/token", new { email, password = "correct-horse-battery" }, Ct);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString();
        return (email, memberId, service.Host.ClientWithToken(token));
    }

    private async Task<List<string>> EventsAsync(Guid memberId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return [.. await conn.QueryAsync<string>(
            "select message_type from outbox_messages where body->>'memberId' = @m order by seq", new { m = memberId.ToString() })];
    }

    [Fact]
    [Trait("Rule", "M1")]
    [Trait("Rule", "M10")]
    public async Task Should_change_name_phone_country_and_marketing_consent_at_once_and_announce_them()
    {
        var (_, memberId, client) = await MemberAsync();

        var response = await client.PatchAsJsonAsync("/members/me",
            new { name = "Ji-woo Park-Lee", phone = "+44 20 7946 0958", country = "gb", marketingOptIn = true }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var profile = await client.GetFromJsonAsync<JsonElement>("/members/me", Ct);
        Assert.Equal(("Ji-woo Park-Lee", "+442079460958", "GB", true),
            (profile.GetProperty("name").GetString(), profile.GetProperty("phone").GetString(), profile.GetProperty("country").GetString(),
             profile.GetProperty("marketingOptIn").GetBoolean()));
        Assert.Equal(
            ["Rewards.Contracts.Membership.MemberRegistered", "Rewards.Contracts.Membership.MemberProfileChanged", "Rewards.Contracts.Membership.MarketingConsentChanged"],
            await EventsAsync(memberId));

        (await client.PatchAsJsonAsync("/members/me", new { marketingOptIn = true }, Ct)).EnsureSuccessStatusCode(); // no change, no event
        Assert.Equal(3, (await EventsAsync(memberId)).Count);
    }

    [Fact]
    [Trait("Rule", "M1")]
    public async Task Should_refuse_to_change_the_login_email_and_change_nothing()
    {
        var (email, memberId, client) = await MemberAsync();

        var response = await client.PatchAsJsonAsync("/members/me", new { email = "new@example.com", name = "Someone Else" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("/problems/login-id-immutable", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
        var profile = await client.GetFromJsonAsync<JsonElement>("/members/me", Ct);
        Assert.Equal((email, "Ji-woo Park"), (profile.GetProperty("email").GetString(), profile.GetProperty("name").GetString()));
        Assert.Single(await EventsAsync(memberId));
    }

    [Fact]
    [Trait("Rule", "M1")]
    public async Task Should_log_in_with_the_new_password_only_after_a_change()
    {
        var (email, _, client) = await MemberAsync();

        (await client.PatchAsJsonAsync("/members/me", new { password = "a-brand-new-passphrase" }, Ct)).EnsureSuccessStatusCode();

        using var anonymous = service.Host.CreateClient();
        var old = await anonymous.PostAsJsonAsync("/auth/token", new { email, password = "correct-horse-battery" }, Ct);
        var @new = await anonymous.PostAsJsonAsync("/auth/token", new { email, password = "a-brand-new-passphrase" }, Ct);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (old.StatusCode, @new.StatusCode));
    }

    [Fact]
    [Trait("Rule", "M2")]
    public async Task Should_refuse_a_phone_number_of_another_member_and_a_malformed_one()
    {
        var phone = $"+8210{Random.Shared.Next(10_000_000, 99_999_999)}";
        await MemberAsync(phone);
        var (_, _, client) = await MemberAsync();

        var taken = await client.PatchAsJsonAsync("/members/me", new { phone }, Ct);
        var malformed = await client.PatchAsJsonAsync("/members/me", new { phone = "12" }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((await client.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("phone").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Should_refuse_a_change_without_a_token()
    {
        using var anonymous = service.Host.CreateClient();

        var response = await anonymous.PatchAsJsonAsync("/members/me", new { name = "Nobody" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
