using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>O1/L3: a rate set once in the Ledger converts orders in Orders too, from the moment it is in force.</summary>
public sealed class Non_usd_orders_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "O1")]
    [Trait("Rule", "L3")]
    public async Task Should_convert_a_KRW_order_at_the_rate_in_force_and_refuse_one_without_a_rate()
    {
        var now = DateTimeOffset.UtcNow;
        await system.SetClockAsync(now);
        var email = $"krw-{Guid.NewGuid():N}@example.com";
        await system.RegisterAsync(email);
        using var orders = system.Orders.ClientWithToken(await system.LoginAsync(email));
        object Order(string currency) => new
        {
            lines = new[] { new { sku = "ALB-K", name = "Album", quantity = 2, unitPrice = 25000m, weightGrams = 300 } },
            currency, shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card", policyAccepted = true,
        };

        var jpy = await orders.PostAsJsonAsync("/orders", Order("JPY"), Ct);
        Assert.Equal(((HttpStatusCode)422, "/problems/exchange-rate-not-found"),
            (jpy.StatusCode, (await jpy.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()));

        using var ledgerOps = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        (await ledgerOps.PutAsJsonAsync("/ops/exchange-rates/KRW", new { usdPerUnit = 0.00075m, effectiveFrom = now.AddDays(-1) }, Ct)).EnsureSuccessStatusCode();
        (await ledgerOps.PutAsJsonAsync("/ops/exchange-rates/KRW", new { usdPerUnit = 0.00080m, effectiveFrom = now.AddDays(1) }, Ct)).EnsureSuccessStatusCode();

        // 2 × KRW 25,000 at 0.00075 (the later rate is not yet in force) = USD 37.50.
        HttpResponseMessage? placed = null;
        Assert.True(await Eventually.TrueAsync(async () => (placed = await orders.PostAsJsonAsync("/orders", Order("KRW"), Ct)).StatusCode == HttpStatusCode.Created),
            "Orders has the Ledger's rate");
        Assert.Equal(37.50m, (await placed!.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("totals").GetProperty("goods").GetDecimal());
    }
}
