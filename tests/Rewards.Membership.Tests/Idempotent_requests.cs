using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Tests;

/// <summary>API.md: a repeat with the same Idempotency-Key and body returns the first response and changes nothing.</summary>
public sealed class Idempotent_requests(MembershipService service) : IClassFixture<MembershipService>
{
    private static object Body(string email) => new
    {
        email, password = "correct-horse-battery", name = "Min-ji Kim", birthDate = "1995-04-12", country = "KR",
        termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
    };

    private async Task<HttpResponseMessage> RegisterAsync(object body, string key)
    {
        using var client = service.Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/members") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Should_replay_the_first_response_for_a_repeated_key_and_register_once()
    {
        var email = $"idem-{Guid.NewGuid():N}@example.com";
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RegisterAsync(Body(email), key)));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var later = await RegisterAsync(Body(email), key);

        // Exactly one request ran; the others got its response replayed, or 409 while it was still running.
        var original = responses.Single(r => r.StatusCode == HttpStatusCode.Created && !r.Headers.Contains("Idempotent-Replayed"));
        Assert.All(responses.Where(r => r != original), r =>
        {
            Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict });
            if (r.StatusCode == HttpStatusCode.Created) Assert.Equal("true", r.Headers.GetValues("Idempotent-Replayed").Single());
        });
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.Equal("true", later.Headers.GetValues("Idempotent-Replayed").Single());
        var first = await original.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var replay = await later.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(first.GetProperty("memberId").GetGuid(), replay.GetProperty("memberId").GetGuid());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("select count(*) from members where email = @email", new { email }));
    }

    [Fact]
    public async Task Should_refuse_a_repeated_key_with_a_different_body()
    {
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(Body($"a-{Guid.NewGuid():N}@example.com"), key)).StatusCode);

        var reuse = await RegisterAsync(Body($"b-{Guid.NewGuid():N}@example.com"), key);

        Assert.Equal(HttpStatusCode.Conflict, reuse.StatusCode);
        Assert.Equal("/problems/idempotency-key-reuse",
            (await reuse.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
    }
}
