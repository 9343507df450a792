using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Partners.Client;

namespace Rewards.Ledger.Tests;

/// <summary>L16: only requests signed with a partner's valid key, fresh and never seen before, get through.</summary>
public sealed class Partner_signatures(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Now = new(2027, 4, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);
    private readonly PartnerDesk _desk = new(service.Host);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestPartner Partner, Guid MemberId)> SetUpAsync(int requestsPerSecond = 1000)
    {
        await _api.SetClockAsync(Now);
        var memberId = Guid.CreateVersion7();
        await _api.PurchasePointsAsync(memberId, 10, "online", Now.AddDays(-1));
        return (await _desk.CreatePartnerAsync(requestsPerSecond: requestsPerSecond), memberId);
    }

    private static string Purchase(Guid memberId, string? transactionId = null, decimal amount = 100m) => PartnerDesk.Json(new
    {
        transactionId = transactionId ?? $"T-{Guid.NewGuid():N}", member = memberId.ToString(), amount, currency = "USD", purchasedAt = Now,
    });

    private static async Task<(HttpStatusCode Status, string? Type)> OutcomeAsync(HttpResponseMessage response) =>
        (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()
            : null);

    private async Task<int> PartnerTransactionsAsync(Guid partnerId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<int>("select count(*) from partner_transactions where partner_id = @partnerId", new { partnerId });
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_refuse_badly_signed_requests_with_401_and_write_nothing()
    {
        var (partner, memberId) = await SetUpAsync();
        var body = Purchase(memberId);
        var replayedNonce = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, (await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", body, nonce: replayedNonce)).StatusCode);

        var attempts = new Dictionary<string, Func<Task<HttpResponseMessage>>>
        {
            ["wrong secret"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId), secret: "psk_not-the-secret"),
            ["old timestamp"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId), at: Now.AddMinutes(-6)),
            ["future timestamp"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId), at: Now.AddMinutes(6)),
            ["replayed nonce"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId), nonce: replayedNonce),
            ["body changed after signing"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId),
                tamper: r => r.Content = new StringContent(Purchase(memberId, amount: 9999m), System.Text.Encoding.UTF8, "application/json")),
            ["path changed after signing"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId),
                tamper: r => r.RequestUri = new Uri(r.RequestUri!, "/partner/v1/purchases?x=1")),
            ["unknown key"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId), keyId: "pk_000000000000000000000000"),
            ["unsigned"] = () => _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId),
                tamper: r => r.Headers.Remove("X-Partner-Signature")),
        };
        var outcomes = new Dictionary<string, (HttpStatusCode, string?)>();
        foreach (var (name, attempt) in attempts) outcomes[name] = await OutcomeAsync(await attempt());

        Assert.Equal(new Dictionary<string, (HttpStatusCode, string?)>
        {
            ["wrong secret"] = (HttpStatusCode.Unauthorized, "/problems/partner-signature-invalid"),
            ["old timestamp"] = (HttpStatusCode.Unauthorized, "/problems/partner-timestamp-out-of-range"),
            ["future timestamp"] = (HttpStatusCode.Unauthorized, "/problems/partner-timestamp-out-of-range"),
            ["replayed nonce"] = (HttpStatusCode.Unauthorized, "/problems/partner-nonce-reused"),
            ["body changed after signing"] = (HttpStatusCode.Unauthorized, "/problems/partner-signature-invalid"),
            ["path changed after signing"] = (HttpStatusCode.Unauthorized, "/problems/partner-signature-invalid"),
            ["unknown key"] = (HttpStatusCode.Unauthorized, "/problems/partner-key-unknown"),
            ["unsigned"] = (HttpStatusCode.Unauthorized, "/problems/partner-signature-missing"),
        }, outcomes);
        Assert.Equal(1, await PartnerTransactionsAsync(partner.PartnerId));
        Assert.Equal(2000, (await _api.BalanceAsync(memberId, "offline")).Pending); // the one signed purchase, at 2%
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_refuse_a_revoked_key_and_a_suspended_partner_and_write_nothing()
    {
        var (partner, memberId) = await SetUpAsync();
        var (spareKey, spareSecret) = await _desk.NewKeyAsync(partner.PartnerId, overlapHours: 24);
        Assert.Equal(HttpStatusCode.OK, (await _desk.OpsAsync(HttpMethod.Post, $"/ops/partners/{partner.PartnerId}/keys/{partner.KeyId}/revocation")).StatusCode);
        var revoked = await OutcomeAsync(await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId)));

        Assert.Equal(HttpStatusCode.OK, (await _desk.OpsAsync(HttpMethod.Patch, $"/ops/partners/{partner.PartnerId}", new { status = "suspended" })).StatusCode);
        var suspended = await OutcomeAsync(await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId),
            keyId: spareKey, secret: spareSecret));

        Assert.Equal((HttpStatusCode.Unauthorized, "/problems/partner-key-revoked"), revoked);
        Assert.Equal((HttpStatusCode.Unauthorized, "/problems/partner-suspended"), suspended);
        Assert.Equal(0, await PartnerTransactionsAsync(partner.PartnerId));
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_accept_the_old_key_during_the_rotation_overlap_and_not_after_it()
    {
        var (partner, memberId) = await SetUpAsync();
        var (newKey, newSecret) = await _desk.NewKeyAsync(partner.PartnerId, overlapHours: 1);
        var keys = await (await _desk.OpsAsync(HttpMethod.Get, $"/ops/partners/{partner.PartnerId}/keys")).Content.ReadFromJsonAsync<JsonElement>(Ct);

        var oldDuringOverlap = await OutcomeAsync(await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId)));
        await _api.SetClockAsync(Now.AddMinutes(61));
        var oldAfter = await OutcomeAsync(await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId)));
        var newAfter = await OutcomeAsync(await _desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", Purchase(memberId),
            keyId: newKey, secret: newSecret));

        Assert.Equal(2, keys.GetArrayLength());
        Assert.All(keys.EnumerateArray(), k => Assert.False(k.TryGetProperty("secret", out _)));
        Assert.Equal((HttpStatusCode.Created, null), oldDuringOverlap);
        Assert.Equal((HttpStatusCode.Unauthorized, "/problems/partner-key-revoked"), oldAfter);
        Assert.Equal((HttpStatusCode.Created, null), newAfter);
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_limit_a_partners_request_rate_with_429_and_retry_after()
    {
        var (partner, memberId) = await SetUpAsync(requestsPerSecond: 3);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            _desk.SendSignedAsync(partner, HttpMethod.Get, $"/partner/v1/members/{memberId}", null)));

        // A burst of 3, then 3 a second: however slowly the 30 requests go out, most are refused.
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), 3, 15);
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal("/problems/rate-limited", (await OutcomeAsync(limited[0])).Type);
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_let_the_client_retry_a_purchase_safely_with_a_new_nonce_and_the_same_transaction_id()
    {
        var (partner, memberId) = await SetUpAsync(requestsPerSecond: 1);
        var till = _desk.Till(partner, maxAttempts: 8);
        var ct = Ct;

        // Two purchases at once against a limit of one request per second: the second is refused 429 and retried by the client.
        var results = await Task.WhenAll(
            till.PurchaseAsync(new PurchaseRequest("R-1-" + Guid.NewGuid().ToString("N"), memberId.ToString(), 10m, "USD", Now), ct),
            till.PurchaseAsync(new PurchaseRequest("R-2-" + Guid.NewGuid().ToString("N"), memberId.ToString(), 20m, "USD", Now), ct));

        Assert.Equal([200L, 400L], results.Select(r => r.Points));
        Assert.Equal(600, (await _api.BalanceAsync(memberId, "offline")).Pending);
    }
}
