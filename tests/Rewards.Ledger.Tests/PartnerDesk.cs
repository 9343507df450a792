using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rewards.Partners.Client;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

public sealed record TestPartner(Guid PartnerId, string KeyId, string Secret);

/// <summary>What tests do as ops (partners, keys) and as a partner's till (the client library), against one Ledger.</summary>
public sealed class PartnerDesk(ServiceHost<ProgramPolicy> host)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<TestPartner> CreatePartnerAsync(decimal earnRate = 0.02m, bool redemptionAllowed = true, string channel = "offline",
        int requestsPerSecond = 1000)
    {
        using var ops = host.ClientWithToken(TestTokens.Ops());
        var created = await ops.PostAsJsonAsync("/ops/partners",
            new { name = $"Store {Guid.NewGuid():N}", channel, earnRate, redemptionAllowed, requestsPerSecond }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var partnerId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("partnerId").GetGuid();
        var (keyId, secret) = await NewKeyAsync(partnerId);
        return new TestPartner(partnerId, keyId, secret);
    }

    public async Task<(string KeyId, string Secret)> NewKeyAsync(Guid partnerId, int? overlapHours = null)
    {
        using var ops = host.ClientWithToken(TestTokens.Ops());
        var response = await ops.PostAsJsonAsync($"/ops/partners/{partnerId}/keys", new { overlapHours }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (key.GetProperty("keyId").GetString()!, key.GetProperty("secret").GetString()!);
    }

    public async Task<HttpResponseMessage> OpsAsync(HttpMethod method, string path, object? body = null)
    {
        using var ops = host.ClientWithToken(TestTokens.Ops());
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        return await ops.SendAsync(request, Ct);
    }

    /// <summary>The partner's till, through the client library, on the Ledger's (test) clock and without retries.</summary>
    public PartnerClient Till(TestPartner partner, string? keyId = null, string? secret = null, int maxAttempts = 1) =>
        new(host.CreateClient(), new PartnerClientOptions(keyId ?? partner.KeyId, secret ?? partner.Secret)
        {
            Clock = host.Services.GetRequiredService<TimeProvider>(), MaxAttempts = maxAttempts,
        });

    /// <summary>A raw signed request, for the tests that tamper with one.</summary>
    public async Task<HttpResponseMessage> SendSignedAsync(TestPartner partner, HttpMethod method, string path, string? json,
        Action<HttpRequestMessage>? tamper = null, string? secret = null, DateTimeOffset? at = null, string? nonce = null, string? keyId = null)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(method, path);
        var body = json is null ? [] : System.Text.Encoding.UTF8.GetBytes(json);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        request.RequestUri = new Uri(client.BaseAddress!, path);
        PartnerSigner.Sign(request, keyId ?? partner.KeyId, secret ?? partner.Secret,
            at ?? host.Services.GetRequiredService<TimeProvider>().GetUtcNow(), body, nonce);
        tamper?.Invoke(request);
        return await client.SendAsync(request, Ct);
    }

    /// <summary>The member's card number and QR token (GET /accounts/me/card).</summary>
    public async Task<(string CardNumber, string Token)> CardAsync(Guid memberId)
    {
        using var member = host.ClientWithToken(TestTokens.Member(memberId, $"{memberId:N}@example.com"));
        var card = await member.GetFromJsonAsync<JsonElement>("/accounts/me/card", Ct);
        return (card.GetProperty("cardNumber").GetString()!, card.GetProperty("token").GetString()!);
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static string Json(object body) => JsonSerializer.Serialize(body, Web);
}
