using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>O4/O5/O9 with L7 as a storefront drives them: refunds and cancellations in Orders move points in the Ledger.</summary>
public sealed class Order_refunds_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Guid OrderId, Guid MemberId, string Email)> PaidOrderAsync(decimal unitPrice, int quantity)
    {
        var email = $"refund-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        using var orders = system.Orders.ClientWithToken(await system.LoginAsync(email));
        var placed = await (await orders.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "PC-SET", name = "Photo card set", quantity, unitPrice, weightGrams = 150 } },
            currency = "USD", shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
            paymentMethod = "card", policyAccepted = true,
        }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var orderId = placed.GetProperty("orderId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(placed.GetProperty("paymentId").GetGuid(), orderId,
            placed.GetProperty("totals").GetProperty("amountDue").GetDecimal())).StatusCode);
        return (orderId, memberId, email);
    }

    private static async Task<(long Balance, long Pending)> OnlineAsync(HttpClient ledgerOps, Guid memberId)
    {
        var online = (await ledgerOps.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}/accounts", Ct)).GetProperty("accounts")
            .EnumerateArray().Single(a => a.GetProperty("channel").GetString() == "online");
        return (online.GetProperty("balance").GetInt64(), online.GetProperty("pending").GetInt64());
    }

    [Fact]
    [Trait("Rule", "O5")]
    [Trait("Rule", "O9")]
    [Trait("Rule", "L7")]
    [Trait("Rule", "N1")]
    public async Task Should_claw_back_the_points_of_a_partial_defect_refund_after_they_were_earned()
    {
        var start = DateTimeOffset.UtcNow;
        await system.SetClockAsync(start);
        var (orderId, memberId, email) = await PaidOrderAsync(50.00m, 2); // 100.00 of goods → 1,000 points
        var ops = await system.LoginOpsAsync();
        using var ledgerOps = system.Ledger.ClientWithToken(ops);
        Assert.True(await Eventually.TrueAsync(async () => await OnlineAsync(ledgerOps, memberId) == (1000, 1000), Wait), "welcome bonus and pending points");

        using (var opsOrders = system.Orders.ClientWithToken(ops))
        {
            foreach (var step in new[] { "prepare", "ship", "deliver" })
                (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/{step}", new { trackingNumber = "EE2KR" }, Ct)).EnsureSuccessStatusCode();
        }
        await system.SetClockAsync(start.AddHours(48).AddMinutes(5));
        using var activationOps = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await activationOps.PostAsync("/ops/jobs/activation/run", null, Ct);
            return await OnlineAsync(activationOps, memberId) == (2000, 0);
        }, Wait), "the purchase points are earned 48 h after delivery");

        // Day 3 after delivery: a missing poster (4.00) and photo card (2.00) → USD 6.00 back → floor(6.00 × 1% × 1,000) = 60 points.
        using var member = system.Orders.ClientWithToken(await system.LoginAsync(email));
        var refund = await member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds",
            new { photoReference = "photos/box.jpg", defects = new[] { "missing-poster", "missing-photo-card" } }, Ct);
        Assert.Equal(6.00m, (await refund.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refundUsd").GetDecimal());

        Assert.True(await Eventually.TrueAsync(async () => (await OnlineAsync(activationOps, memberId)).Balance == 1940, Wait), "60 points clawed back");
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject.StartsWith("Refund for your order", StringComparison.Ordinal)
            && m.Text.Contains("USD 6.00", StringComparison.Ordinal)), Wait), "the refund e-mail (N1)");
        var verify = await activationOps.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    [Fact]
    [Trait("Rule", "O4")]
    [Trait("Rule", "O9")]
    [Trait("Rule", "L4")]
    [Trait("Rule", "N1")]
    public async Task Should_void_the_pending_points_of_an_order_cancelled_within_24_hours()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var (orderId, memberId, email) = await PaidOrderAsync(30.00m, 1); // 300 pending points
        using var ledgerOps = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        Assert.True(await Eventually.TrueAsync(async () => await OnlineAsync(ledgerOps, memberId) == (1000, 300), Wait));

        using var member = system.Orders.ClientWithToken(await system.LoginAsync(email));
        var cancelled = await member.PostAsync($"/orders/{orderId}/cancellation", null, Ct);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => await OnlineAsync(ledgerOps, memberId) == (1000, 0), Wait), "the pending points are voided");
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject.EndsWith("is cancelled", StringComparison.Ordinal)), Wait),
            "the cancellation e-mail (N1)");
    }
}
