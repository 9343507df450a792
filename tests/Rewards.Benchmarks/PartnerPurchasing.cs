using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Partners.Client;

namespace Rewards.Benchmarks;

/// <summary>Phase (f): partner purchases through the signed partner API, with the client library partners use.</summary>
internal static class PartnerPurchasing
{
    /// <summary>A partner whose rate limit is out of the way, and its key.</summary>
    public static async Task<PartnerClientOptions> CreatePartnerAsync(HttpClient ops)
    {
        var created = await ops.PostAsJsonAsync("/ops/partners",
            new { name = $"Benchmark store {Guid.NewGuid():N}", channel = "offline", earnRate = 0.01m, redemptionAllowed = true, requestsPerSecond = 100_000 });
        created.EnsureSuccessStatusCode();
        var partnerId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("partnerId").GetGuid();
        var key = await (await ops.PostAsJsonAsync($"/ops/partners/{partnerId}/keys", new { })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        return new PartnerClientOptions(key.GetProperty("keyId").GetString()!, key.GetProperty("secret").GetString()!) { MaxAttempts = 1 };
    }

    /// <summary>Signed purchases per second, <paramref name="clients"/> tills, each purchase for a random member.</summary>
    public static async Task<double> PurchasesPerSecondAsync(HttpClient http, PartnerClientOptions partner, Guid[] members, int clients, int seconds)
    {
        var till = new PartnerClient(http, partner);
        long done = 0, failed = 0;
        var stopwatch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var random = new Random(1000 + client);
            while (stopwatch.Elapsed < until)
            {
                var member = members[random.Next(members.Length)];
                try
                {
                    await till.PurchaseAsync(new PurchaseRequest(Guid.NewGuid().ToString("N"), member.ToString(), 10m, "USD", DateTimeOffset.UtcNow));
                    Interlocked.Increment(ref done);
                }
                catch (Exception e) when (e is PartnerApiException or HttpRequestException)
                {
                    if (Interlocked.Increment(ref failed) == 1) Console.WriteLine($"    first failure: {e.Message}");
                }
            }
        }));
        if (failed > 0) Console.WriteLine($"    {failed} purchases failed");
        return done / stopwatch.Elapsed.TotalSeconds;
    }
}
