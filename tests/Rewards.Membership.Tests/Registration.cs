using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Rewards.Membership;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>M1/M2 registration through HTTP: what is accepted, what is refused, and that a refusal writes nothing.</summary>
public sealed class Registration(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Today = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static JsonObject ValidBody(string email) => new()
    {
        ["email"] = email,
        ["password"] = "correct-horse-battery",
        ["name"] = "Min-ji Kim",
        ["birthDate"] = "1995-04-12",
        ["country"] = "KR",
        ["phone"] = "+82 10-1234-5678",
        ["termsVersion"] = "2026-01",
        ["acceptTerms"] = true,
        ["consentPersonalInfo"] = true,
        ["marketingOptIn"] = false,
    };

    private static string NewEmail() => $"m-{Guid.NewGuid():N}@example.com";

    [Fact]
    [Trait("Rule", "M1")]
    public async Task Should_tell_a_storefront_the_terms_version_to_accept_and_register_with_it()
    {
        await service.Host.SetClockAsync(Today);
        using var client = service.Host.CreateClient();
        var terms = await client.GetFromJsonAsync<JsonElement>("/terms", TestContext.Current.CancellationToken);
        Assert.Equal("2026-01-01", terms.GetProperty("effectiveFrom").GetString());
        Assert.False(string.IsNullOrWhiteSpace(terms.GetProperty("url").GetString()));

        var body = ValidBody(NewEmail());
        body["termsVersion"] = terms.GetProperty("version").GetString();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/members", body, TestContext.Current.CancellationToken)).StatusCode);
        body = ValidBody(NewEmail());
        body["termsVersion"] = "2019-01";
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/members", body, TestContext.Current.CancellationToken)).StatusCode);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "email" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true,"nickname":"x"}""", "nickname" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":12345,"country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "birthDate" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":"yes","consentPersonalInfo":true}""", "acceptTerms" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":null,"birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "name" },
        { """{"email":"EMAIL","password":""", "body" },
        { """{"email":"not-an-email","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "email" },
        { """{"email":"EMAIL","password":"short","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "password" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2019-01","acceptTerms":true,"consentPersonalInfo":true}""", "termsVersion" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":false,"consentPersonalInfo":true}""", "acceptTerms" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":false}""", "consentPersonalInfo" },
        { """{"email":"EMAIL","password":"correct-horse-battery","name":"A","birthDate":"1995-04-12","country":"KR","phone":"12","termsVersion":"2026-01","acceptTerms":true,"consentPersonalInfo":true}""", "phone" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    [Trait("Rule", "M1")]
    public async Task Should_refuse_a_bad_request_with_a_validation_problem_and_write_nothing(string body, string field)
    {
        var before = await CountsAsync();
        using var client = service.Host.CreateClient();
        using var content = new StringContent(body.Replace("EMAIL", NewEmail(), StringComparison.Ordinal), Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/members", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name == field);
        Assert.DoesNotContain(".NET", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Rewards.", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [InlineData("2013-03-01", HttpStatusCode.Created)]     // 14 today
    [InlineData("2013-03-02", HttpStatusCode.BadRequest)]  // 14 tomorrow
    [Trait("Rule", "M1")]
    public async Task Should_accept_members_from_their_14th_birthday(string birthDate, HttpStatusCode expected)
    {
        await service.Host.SetClockAsync(Today);
        var body = ValidBody(NewEmail());
        body["birthDate"] = birthDate;
        body.Remove("phone");
        using var client = service.Host.CreateClient();

        var response = await client.PostAsJsonAsync("/members", body, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Contains("at least 14", problem.GetProperty("errors").GetProperty("birthDate")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Rule", "M2")]
    public async Task Should_refuse_a_second_account_with_the_same_email_in_any_case_and_publish_once()
    {
        var email = NewEmail();
        using var client = service.Host.CreateClient();
        var first = ValidBody(email);
        first.Remove("phone");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/members", first, TestContext.Current.CancellationToken)).StatusCode);
        var before = await CountsAsync();

        var second = ValidBody(email.ToUpperInvariant());
        second.Remove("phone");
        var response = await client.PostAsJsonAsync("/members", second, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("/problems/duplicate-identity", problem.GetProperty("type").GetString());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    [Trait("Rule", "M2")]
    public async Task Should_refuse_a_second_account_with_the_same_phone_written_differently()
    {
        using var client = service.Host.CreateClient();
        var phone = $"+8210{Random.Shared.Next(10_000_000, 99_999_999)}";
        var first = ValidBody(NewEmail());
        first["phone"] = phone;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/members", first, TestContext.Current.CancellationToken)).StatusCode);

        var second = ValidBody(NewEmail());
        second["phone"] = $"{phone[..3]} {phone[3..5]}-{phone[5..]}";
        var response = await client.PostAsJsonAsync("/members", second, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    [Trait("Rule", "M4")]
    public async Task Should_issue_a_token_for_the_right_password_only()
    {
        var email = NewEmail();
        var body = ValidBody(email);
        body.Remove("phone");
        using var client = service.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/members", body, TestContext.Current.CancellationToken)).StatusCode);

        var wrong = await client.PostAsJsonAsync("/auth/token", new { email, password = "wrong-password" }, TestContext.Current.CancellationToken);
        var right = await client.PostAsJsonAsync("/auth/token", new { email = email.ToUpperInvariant(), password = "correct-horse-battery" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("/problems/invalid-credentials", (await wrong.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var token = (await right.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("accessToken").GetString();
        using var me = service.Host.ClientWithToken(token);
        var profile = await me.GetFromJsonAsync<JsonElement>("/members/me", TestContext.Current.CancellationToken);
        Assert.Equal(email, profile.GetProperty("email").GetString());
        Assert.False(profile.TryGetProperty("password", out _));
        Assert.False(profile.TryGetProperty("passwordHash", out _));
    }

    private async Task<(long Members, long Events)> CountsAsync()
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return (await conn.ExecuteScalarAsync<long>("select count(*) from members"),
                await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages"));
    }
}
