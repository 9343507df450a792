using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>O8/O9/L9 as a storefront drives them: points held at checkout, redeemed on payment, given back on cancellation.</summary>
public sealed class Checkout_with_points_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> OrderAsync(HttpClient orders, long points) => orders.PostAsJsonAsync("/orders", new
    {
        lines = new[] { new { sku = "DOLL-77", name = "Doll", quantity = 1, unitPrice = 20.00m, weightGrams = 500 } },
        currency = "USD", shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
        paymentMethod = "card", policyAccepted = true, points = new { channel = "online", points },
    }, Ct);

    private static async Task<JsonElement> OnlineAsync(HttpClient ledger) =>
        (await ledger.GetFromJsonAsync<JsonElement>("/accounts/me", Ct)).GetProperty("accounts").EnumerateArray()
            .Single(a => a.GetProperty("channel").GetString() == "online");

    private static async Task<(long Balance, long Available, long Held)> PointsAsync(HttpClient ledger)
    {
        var online = await OnlineAsync(ledger);
        return (online.GetProperty("balance").GetInt64(), online.GetProperty("available").GetInt64(), online.GetProperty("held").GetInt64());
    }

    private async Task<(string Email, HttpClient Orders, HttpClient Ledger)> MemberWithWelcomeBonusAsync()
    {
        var email = $"points-{Guid.NewGuid():N}@example.com";
        await system.RegisterAsync(email);
        var token = await system.LoginAsync(email);
        var ledger = system.Ledger.ClientWithToken(token);
        Assert.True(await Eventually.TrueAsync(async () => (await PointsAsync(ledger)).Balance == 1000, Wait), "the welcome bonus");
        return (email, system.Orders.ClientWithToken(token), ledger);
    }

    [Fact]
    [Trait("Rule", "O9")]
    [Trait("Rule", "L9")]
    [Trait("Rule", "O4")]
    public async Task Should_hold_points_at_checkout_redeem_them_on_payment_and_return_them_to_their_lot_on_cancellation()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var (_, orders, ledger) = await MemberWithWelcomeBonusAsync();
        var lotsBefore = (await ledger.GetFromJsonAsync<JsonElement>("/accounts/me/lots", Ct)).ToString();

        var placed = await OrderAsync(orders, 500);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var totals = order.GetProperty("totals");
        // 20.00 goods + 6.00 shipping + 2.99 tracking − 500 points (USD 0.50)
        Assert.Equal((500L, 0.50m, 28.49m), (totals.GetProperty("pointsUsed").GetInt64(), totals.GetProperty("pointsValue").GetDecimal(), totals.GetProperty("amountDue").GetDecimal()));
        Assert.Equal((1000, 500, 500), await PointsAsync(ledger));

        var orderId = order.GetProperty("orderId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(order.GetProperty("paymentId").GetGuid(), orderId, 28.49m)).StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => await PointsAsync(ledger) == (500, 500, 0), Wait), "the hold is committed");

        Assert.Equal(HttpStatusCode.OK, (await orders.PostAsync($"/orders/{orderId}/cancellation", null, Ct)).StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => await PointsAsync(ledger) == (1000, 1000, 0), Wait), "the points come back");
        Assert.Equal(lotsBefore, (await ledger.GetFromJsonAsync<JsonElement>("/accounts/me/lots", Ct)).ToString());
        using var ops = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        var verify = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_refuse_more_points_than_the_member_has_and_points_not_in_units_of_10()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var (_, orders, ledger) = await MemberWithWelcomeBonusAsync();

        var tooMany = await OrderAsync(orders, 1500);
        var odd = await OrderAsync(orders, 15);

        Assert.Equal((HttpStatusCode.Conflict, "/problems/insufficient-points"),
            (tooMany.StatusCode, (await tooMany.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/invalid-points-unit"),
            (odd.StatusCode, (await odd.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()));
        Assert.Equal((1000, 1000, 0), await PointsAsync(ledger));
    }

    [Fact]
    [Trait("Rule", "O8")]
    [Trait("Rule", "L9")]
    public async Task Should_release_the_points_of_an_order_left_unpaid()
    {
        var start = DateTimeOffset.UtcNow;
        await system.SetClockAsync(start);
        var (email, orders, ledger) = await MemberWithWelcomeBonusAsync();
        Assert.Equal(HttpStatusCode.Created, (await OrderAsync(orders, 300)).StatusCode);
        Assert.Equal((1000, 700, 300), await PointsAsync(ledger));

        await system.SetClockAsync(start.AddMinutes(21));
        using var ops = system.Orders.ClientWithToken(await system.LoginOpsAsync());
        var run = await (await ops.PostAsync("/ops/jobs/payment-timeouts/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("expired 1 unpaid orders", run.GetProperty("result").GetString());

        using var later = system.Ledger.ClientWithToken(await system.LoginAsync(email));
        Assert.True(await Eventually.TrueAsync(async () => await PointsAsync(later) == (1000, 1000, 0), Wait), "the hold is released");
    }
}

/// <summary>O8/L9 with the Ledger stopped in the middle of checkouts: nothing is lost and nothing stays held.</summary>
public sealed class Checkout_with_the_Ledger_down_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(long Balance, long Available, long Held)> PointsAsync(HttpClient ledgerOps, Guid memberId)
    {
        var online = (await ledgerOps.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}/accounts", Ct)).GetProperty("accounts")
            .EnumerateArray().Single(a => a.GetProperty("channel").GetString() == "online");
        return (online.GetProperty("balance").GetInt64(), online.GetProperty("available").GetInt64(), online.GetProperty("held").GetInt64());
    }

    private static Task<HttpResponseMessage> OrderAsync(HttpClient orders, long points) => orders.PostAsJsonAsync("/orders", new
    {
        lines = new[] { new { sku = "DOLL-78", name = "Doll", quantity = 1, unitPrice = 10.00m, weightGrams = 500 } },
        currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" },
        paymentMethod = "card", policyAccepted = true, points = new { channel = "online", points },
    }, Ct);

    [Fact]
    [Trait("Rule", "O8")]
    [Trait("Rule", "O9")]
    [Trait("Rule", "L9")]
    [Trait("Rule", "L18")]
    public async Task Should_redeem_held_points_once_the_Ledger_is_back_and_hold_nothing_for_a_checkout_it_never_answered()
    {
        var start = DateTimeOffset.UtcNow;
        await system.SetClockAsync(start);
        var email = $"outage-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        var token = await system.LoginAsync(email);
        var opsToken = await system.LoginOpsAsync();
        using (var ledgerOps = system.Ledger.ClientWithToken(opsToken))
        {
            Assert.True(await Eventually.TrueAsync(async () => (await PointsAsync(ledgerOps, memberId)).Balance == 1000, Wait));
        }
        using var orders = system.Orders.ClientWithToken(token);
        var placed = await (await OrderAsync(orders, 400)).Content.ReadFromJsonAsync<JsonElement>(Ct); // 10.00 − 0.40 = 9.60 due

        // The Ledger goes down after the hold and before the payment; the customer pays meanwhile.
        await system.StopLedgerAsync();
        var orderId = placed.GetProperty("orderId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(placed.GetProperty("paymentId").GetGuid(), orderId, 9.60m)).StatusCode);
        // A second checkout while it is down is answered clearly, and orders nothing.
        var refused = await OrderAsync(orders, 300);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

        await system.StartLedgerAsync(start.AddMinutes(2));
        using var ops = system.Ledger.ClientWithToken(opsToken);
        Assert.True(await Eventually.TrueAsync(async () => await PointsAsync(ops, memberId) == (600, 600, 0), Wait),
            "the commit waited in its queue and redeems the 400 points once the Ledger is back");

        // Whatever became of the unanswered hold request, nothing stays held past the Ledger's 30-minute hold timeout.
        await system.SetClockAsync(start.AddMinutes(32));
        using var later = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        await later.PostAsync("/ops/jobs/hold-timeouts/run", null, Ct);
        Assert.Equal((600, 600, 0), await PointsAsync(later, memberId));
        var verify = await later.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    [Fact]
    [Trait("Rule", "O8")]
    [Trait("Rule", "L9")]
    public async Task Should_finish_a_checkout_whose_Orders_service_restarted_between_placing_and_payment()
    {
        var start = DateTimeOffset.UtcNow;
        await system.SetClockAsync(start);
        var email = $"restart-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        var opsToken = await system.LoginOpsAsync();
        using var ops = system.Ledger.ClientWithToken(opsToken);
        Assert.True(await Eventually.TrueAsync(async () => (await PointsAsync(ops, memberId)).Balance == 1000, Wait));
        Guid orderId, paymentId;
        using (var orders = system.Orders.ClientWithToken(await system.LoginAsync(email)))
        {
            var placed = await (await OrderAsync(orders, 200)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            (orderId, paymentId) = (placed.GetProperty("orderId").GetGuid(), placed.GetProperty("paymentId").GetGuid());
        }
        Assert.Equal((1000, 800, 200), await PointsAsync(ops, memberId));

        await system.RestartOrdersAsync(start.AddMinutes(1));

        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(paymentId, orderId, 9.80m)).StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => await PointsAsync(ops, memberId) == (800, 800, 0), Wait), "the hold is committed after the restart");
    }
}
