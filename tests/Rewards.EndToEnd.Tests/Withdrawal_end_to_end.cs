using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// M7/M3 across the services: Membership asks the real Ledger (over HTTP) and its own projection of Orders' events
/// before letting a member go; a withdrawn member may rejoin, without the welcome bonus.
/// </summary>
public sealed class Withdrawal_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<long> BalanceAsync(HttpClient ledgerOps, Guid memberId) =>
        (await ledgerOps.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}/accounts", Ct)).GetProperty("accounts").EnumerateArray()
            .Single(a => a.GetProperty("channel").GetString() == "online").GetProperty("balance").GetInt64();

    private static async Task<(HttpStatusCode Status, string? Type)> WithdrawAsync(HttpClient member)
    {
        var response = await member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "Too many e-mails" }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (response.StatusCode, body.TryGetProperty("type", out var type) ? type.GetString() : null);
    }

    [Fact]
    [Trait("Rule", "M7")]
    [Trait("Rule", "M3")]
    [Trait("Rule", "L15")]
    [Trait("Rule", "L19")]
    [Trait("Rule", "N1")]
    public async Task Should_refuse_withdrawal_with_an_open_order_or_a_negative_balance_then_allow_it_and_a_rejoin_without_welcome_bonus()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"leaver-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        var token = await system.LoginAsync(email);
        var opsToken = await system.LoginOpsAsync();
        using var ledgerOps = system.Ledger.ClientWithToken(opsToken);
        Assert.True(await Eventually.TrueAsync(async () => await BalanceAsync(ledgerOps, memberId) == 1000, Wait), "the welcome bonus");

        // A paid order on its way blocks the withdrawal.
        using var orders = system.Orders.ClientWithToken(token);
        var placed = await orders.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "KPOP-ALB-7", name = "Album", quantity = 1, unitPrice = 20.00m, weightGrams = 300 } },
            currency = "USD", shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
            paymentMethod = "card", policyAccepted = true,
        }, Ct);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var orderId = order.GetProperty("orderId").GetGuid();
        var amountDue = order.GetProperty("totals").GetProperty("amountDue").GetDecimal();
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(order.GetProperty("paymentId").GetGuid(), orderId, amountDue)).StatusCode);
        using var member = system.Membership.ClientWithToken(token);
        await using (var membershipDb = new NpgsqlConnection(system.Membership.ConnectionString))
        {
            Assert.True(await Eventually.TrueAsync(async () => await membershipDb.ExecuteScalarAsync<long>(
                "select count(*) from member_orders where order_id = @orderId and paid_at is not null", new { orderId }) == 1, Wait),
                "Membership has seen the payment");
        }
        Assert.Equal((HttpStatusCode.Conflict, "/problems/withdrawal-open-orders"), await WithdrawAsync(member));

        using (var opsOrders = system.Orders.ClientWithToken(opsToken))
        {
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, Ct)).EnsureSuccessStatusCode();
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/ship", new { trackingNumber = "EE000000001KR" }, Ct)).EnsureSuccessStatusCode();
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/deliver", new { }, Ct)).EnsureSuccessStatusCode();
        }

        // A correction takes 1,800 points from the 1,000 the member has: −800, which must be paid off first (L15).
        (await ledgerOps.PostAsJsonAsync($"/ops/members/{memberId}/debits",
            new { channel = "online", points = 1800, reason = "Points credited twice by mistake" }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(-800, await BalanceAsync(ledgerOps, memberId));
        Assert.True(await Eventually.TrueAsync(async () => await WithdrawAsync(member) == (HttpStatusCode.Conflict, "/problems/withdrawal-negative-balance"), Wait),
            "the order is delivered, and the balance is negative");

        var payoff = await ledgerOps.PostAsJsonAsync($"/ops/members/{memberId}/payoff",
            new { channel = "online", paidUsd = 1.00m, paymentReference = $"PAY-{Guid.NewGuid():N}" }, Ct);
        Assert.Equal(HttpStatusCode.Created, payoff.StatusCode);
        Assert.Equal(0, await BalanceAsync(ledgerOps, memberId));

        var withdrawn = await member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "Too many e-mails" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, withdrawn.StatusCode);
        var graceEndsAt = (await withdrawn.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("graceEndsAt").GetDateTimeOffset();
        Assert.InRange(graceEndsAt - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30.1));
        Assert.Equal("withdrawn", (await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("status").GetString());
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Your membership has ended"), Wait));

        // M3: the same person joins again at once; the Ledger grants no second welcome bonus.
        var rejoinedId = await system.RegisterAsync(email);
        await using var ledgerDb = new NpgsqlConnection(system.Ledger.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await ledgerDb.ExecuteScalarAsync<long>(
            "select count(*) from inbox_messages where message_type = 'MemberRegistered'") >= 2, Wait), "the Ledger has seen both registrations");
        Assert.Equal(0, await BalanceAsync(ledgerOps, rejoinedId));
        Assert.Equal(rejoinedId.ToString(), (await system.Membership.ClientWithToken(await system.LoginAsync(email))
            .GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("memberId").GetString());
    }
}

/// <summary>The SOOM programme: no grace period after withdrawal (L14), by configuration alone.</summary>
public sealed class SoomSystem : RewardsSystem
{
    protected override IDictionary<string, string?> MembershipSettings => new Dictionary<string, string?> { ["Policy:ForfeitureGraceDays"] = "0" };
}

public sealed class Withdrawal_without_grace_end_to_end(SoomSystem system) : IClassFixture<SoomSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M7")]
    [Trait("Rule", "L14")]
    [Trait("Rule", "M5")]
    public async Task Should_forfeit_at_once_end_the_login_and_erase_the_member_at_the_next_run()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"soom-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        using var ledgerOps = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        async Task<long> Balance() => (await ledgerOps.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}/accounts", Ct))
            .GetProperty("accounts")[0].GetProperty("balance").GetInt64() + (await ledgerOps.GetFromJsonAsync<JsonElement>(
                $"/ops/members/{memberId}/accounts", Ct)).GetProperty("accounts")[1].GetProperty("balance").GetInt64();
        Assert.True(await Eventually.TrueAsync(async () => await Balance() == 1000, Wait), "the welcome bonus");

        using var member = system.Membership.ClientWithToken(await system.LoginAsync(email));
        var withdrawn = await member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "Bye" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, withdrawn.StatusCode);
        Assert.InRange((await withdrawn.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("graceEndsAt").GetDateTimeOffset(),
            DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.True(await Eventually.TrueAsync(async () => await Balance() == 0, Wait), "the Ledger forfeits the points at once");
        using var anonymous = system.Membership.CreateClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsJsonAsync("/auth/token", new { email, password = "correct-horse-battery" }, Ct)).StatusCode);

        using var membershipOps = system.Membership.ClientWithToken(await system.LoginOpsAsync());
        var run = await (await membershipOps.PostAsync("/ops/jobs/dormancy/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.EndsWith("0 dormant and 1 withdrawn members", run.GetProperty("result").GetString(), StringComparison.Ordinal);
        await using var notifications = new NpgsqlConnection(system.Notifications.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await notifications.ExecuteScalarAsync<long>(
            "select count(*) from member_directory where member_id = @memberId", new { memberId }) == 0, Wait),
            "Notifications forgets the address once the member is erased");
    }
}
