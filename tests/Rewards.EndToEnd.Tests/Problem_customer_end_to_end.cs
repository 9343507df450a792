using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>M9 across the services: a problem customer can neither log in nor buy, until ops lift the mark.</summary>
public sealed class Problem_customer_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> OrderAsync(HttpClient orders) => orders.PostAsJsonAsync("/orders", new
    {
        lines = new[] { new { sku = "DOLL-9", name = "Doll", quantity = 1, unitPrice = 30.00m, weightGrams = 200 } },
        currency = "USD", shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
        paymentMethod = "card", policyAccepted = true,
    }, Ct);

    [Fact]
    [Trait("Rule", "M9")]
    public async Task Should_refuse_orders_of_a_problem_customer_with_a_specific_problem_until_the_mark_is_lifted()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"problem-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        using var orders = system.Orders.ClientWithToken(await system.LoginAsync(email)); // a token issued before the mark
        Assert.Equal(HttpStatusCode.Created, (await OrderAsync(orders)).StatusCode);
        using var ops = system.Membership.ClientWithToken(await system.LoginOpsAsync());

        (await ops.PutAsJsonAsync($"/ops/members/{memberId}/problem-customer", new { reason = "Habitual malicious complaints" }, Ct)).EnsureSuccessStatusCode();

        HttpResponseMessage? refused = null;
        Assert.True(await Eventually.TrueAsync(async () => (refused = await OrderAsync(orders)).StatusCode == HttpStatusCode.Forbidden, Wait));
        Assert.Equal("/problems/member-suspended", (await refused!.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
        using (var anonymous = system.Membership.CreateClient())
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsJsonAsync("/auth/token", new { email, password = "correct-horse-battery" }, Ct)).StatusCode);
        }

        using var lift = new HttpRequestMessage(HttpMethod.Delete, $"/ops/members/{memberId}/problem-customer")
        {
            Content = JsonContent.Create(new { reason = "Resolved with the customer" }),
        };
        (await ops.SendAsync(lift, Ct)).EnsureSuccessStatusCode();
        Assert.True(await Eventually.TrueAsync(async () => (await OrderAsync(orders)).StatusCode == HttpStatusCode.Created, Wait));
    }
}
