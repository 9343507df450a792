using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Rewards.Partners.Client;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>L16 under faults: while the database is away a partner gets 503 with Retry-After, and its retry posts once.</summary>
public sealed class Partner_outage
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_answer_503_while_the_database_is_away_and_post_the_retried_purchase_once_when_it_is_back()
    {
        var database = new NpgsqlConnectionStringBuilder(await TestServers.CreateDatabaseAsync("ledger"));
        await using var gate = new TcpGate(database.Host!, database.Port);
        database.Port = gate.Port;
        database.Timeout = 3;
        await using var host = await ServiceHost<ProgramPolicy>.StartAsync("Ledger", await TestServers.CreateVirtualHostAsync("ledger-partner-outage"),
            new Dictionary<string, string?> { ["ConnectionStrings:Ledger"] = database.ConnectionString });
        var desk = new PartnerDesk(host);
        var api = new LedgerApi(host);
        await api.SetClockAsync(DateTimeOffset.UtcNow);
        var memberId = Guid.CreateVersion7();
        await api.PurchasePointsAsync(memberId, 10, "offline");
        var partner = await desk.CreatePartnerAsync();
        var body = PartnerDesk.Json(new { transactionId = $"T-{Guid.NewGuid():N}", member = memberId.ToString(), amount = 25m, purchasedAt = api.Now });

        gate.Shut();
        var during = await desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", body);
        gate.Open();
        HttpResponseMessage after = during;
        Assert.True(await Eventually.TrueAsync(async () =>
            (after = await desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", body)).StatusCode == HttpStatusCode.Created,
            TimeSpan.FromSeconds(20)), "the purchase is taken once the database is back");
        var repeat = await desk.SendSignedAsync(partner, HttpMethod.Post, "/partner/v1/purchases", body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal("/problems/service-unavailable", (await during.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.True(repeat.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(500, (await api.BalanceAsync(memberId, "offline")).Pending); // 25 USD at 2 %, once
        var statement = await desk.Till(partner).StatementAsync(DateOnly.FromDateTime(api.Now.UtcDateTime), DateOnly.FromDateTime(api.Now.UtcDateTime), ct: Ct);
        Assert.Equal(1, statement.Totals.Purchases);
        Assert.DoesNotContain(host.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal)); // an outage is a warning, not an error
    }
}
