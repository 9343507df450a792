using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// The walking skeleton's path as a storefront drives it: register (welcome bonus) → login → order → pay → deliver →
/// 48 h → the points are earned → 90 days → the welcome bonus expires; the ledger balances throughout and the member
/// got exactly one welcome, order-received, receipt, shipped, expiry-warning and points-expired e-mail. Replaying every event afterwards changes nothing.
/// </summary>
public sealed class Purchase_earns_points_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    [Trait("Rule", "L3")]
    [Trait("Rule", "L4")]
    [Trait("Rule", "L6")]
    [Trait("Rule", "L18")]
    [Trait("Rule", "L19")]
    [Trait("Rule", "N1")]
    public async Task Should_earn_points_48h_after_delivery_and_change_nothing_when_messages_repeat()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = DateTimeOffset.UtcNow;
        DateTimeOffset registeredAt;
        await system.SetClockAsync(start);
        var email = $"buyer-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        var token = await system.LoginAsync(email);
        using (var profileClient = system.Membership.ClientWithToken(token))
        {
            var profile = await profileClient.GetFromJsonAsync<JsonElement>("/members/me", ct);
            registeredAt = profile.GetProperty("registeredAt").GetDateTimeOffset();
        }

        // Order 2 × 61.50 = USD 123.00 → floor(123.00 × 1% × 1000) = 1,230 points.
        using var orders = system.Orders.ClientWithToken(token);
        var placed = await orders.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "DOLL-001", name = "Collector doll", quantity = 2, unitPrice = 61.50m, weightGrams = 400 } },
            currency = "USD",
            shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
            paymentMethod = "card",
            policyAccepted = true,
        }, ct);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>(ct);
        var orderId = order.GetProperty("orderId").GetGuid();
        var paymentId = order.GetProperty("paymentId").GetGuid();
        // Above 49.99 shipping is free, but the 2.99 tracking fee is charged (O6); points are earned on the goods only.
        Assert.Equal(125.99m, order.GetProperty("totals").GetProperty("amountDue").GetDecimal());

        // The provider calls back twice; the order is paid once.
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(paymentId, orderId, 125.99m)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(paymentId, orderId, 125.99m)).StatusCode);

        using var ledger = system.Ledger.ClientWithToken(token);
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            var account = await OnlineAsync(ledger);
            return account.GetProperty("pending").GetInt64() == 1230 && account.GetProperty("balance").GetInt64() == 1000;
        }, Wait), "the Ledger credits the welcome bonus and pending points for the paid order");
        var online = await OnlineAsync(ledger);
        Assert.Equal(1000, online.GetProperty("balance").GetInt64()); // only the welcome bonus is spendable
        Assert.Equal(1000, online.GetProperty("available").GetInt64());

        var opsToken = await system.LoginOpsAsync();
        using (var opsOrders = system.Orders.ClientWithToken(opsToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/ship", new { trackingNumber = "EE123456789KR" }, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/deliver", new { }, ct)).StatusCode);
        }
        var deliveredAt = await DeliveredAtAsync(orderId);

        // Before 48 h nothing activates.
        using (var opsLedger = system.Ledger.ClientWithToken(opsToken))
        {
            await Task.Delay(500, ct);
            await RunActivationAsync(opsLedger);
            Assert.Equal(1230, (await OnlineAsync(ledger)).GetProperty("pending").GetInt64());
        }

        await system.SetClockAsync(deliveredAt.AddHours(48).AddMinutes(1));
        token = await system.LoginAsync(email); // the old token expired with the clock
        opsToken = await system.LoginOpsAsync();
        using var member = system.Ledger.ClientWithToken(token);
        using var ops = system.Ledger.ClientWithToken(opsToken);
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await RunActivationAsync(ops);
            return (await OnlineAsync(member)).GetProperty("balance").GetInt64() == 2230;
        }, Wait), "the points are earned 48 h after delivery");
        await AssertLedgerAsync(member, ops, balance: 2230, postings: 4, nextExpiry: (registeredAt.AddDays(90), 1000));

        // 30 days before it expires, the member is warned about the welcome bonus, once.
        await system.SetClockAsync(registeredAt.AddDays(60).AddMinutes(1));
        using (var opsWarning = system.Ledger.ClientWithToken(await system.LoginOpsAsync()))
        {
            Assert.Equal("warned 1 members", await RunJobAsync(opsWarning, "expiry-warnings"));
            Assert.Equal("warned 0 members", await RunJobAsync(opsWarning, "expiry-warnings"));
        }

        // 90 days after registration the welcome bonus expires; a second run finds nothing more to do.
        await system.SetClockAsync(registeredAt.AddDays(90).AddMinutes(1));
        using var memberLater = system.Ledger.ClientWithToken(await system.LoginAsync(email));
        using var opsLater = system.Ledger.ClientWithToken(await system.LoginOpsAsync());
        Assert.StartsWith("expired 1 lots, 1000 points", await RunJobAsync(opsLater, "expiry"), StringComparison.Ordinal);
        Assert.StartsWith("expired 0 lots", await RunJobAsync(opsLater, "expiry"), StringComparison.Ordinal);
        await AssertSettledAsync(memberLater, opsLater, email, deliveredAt, registeredAt.AddDays(90));

        // Replays: every event published again with its original MessageId (a relay that crashed before marking),
        // and the OrderPaid event once more under a new MessageId. Nothing may change.
        var duplicateId = await ReplayAllEventsAsync();
        Assert.True(await Eventually.TrueAsync(() => InboxHasAsync(system.Ledger.ConnectionString, duplicateId), Wait));
        Assert.True(await Eventually.TrueAsync(() => InboxHasAsync(system.Notifications.ConnectionString, duplicateId), Wait));
        Assert.True(await Eventually.TrueAsync(QueuesDrainedAsync, TimeSpan.FromSeconds(60)), "the replayed messages are consumed");

        await AssertSettledAsync(memberLater, opsLater, email, deliveredAt, registeredAt.AddDays(90));
        Assert.Equal(memberId, (await memberLater.GetFromJsonAsync<JsonElement>("/accounts/me", ct)).GetProperty("memberId").GetGuid());
    }

    /// <summary>The end state: the purchase's 1,230 points earned, the welcome bonus expired, one e-mail of each kind.</summary>
    private static async Task AssertSettledAsync(HttpClient member, HttpClient ops, string email, DateTimeOffset deliveredAt, DateTimeOffset bonusExpiresAt)
    {
        await AssertLedgerAsync(member, ops, balance: 1230, postings: 5, nextExpiry: (deliveredAt.AddHours(48).AddMonths(60), 1230));

        var mails = await MailSink.ToAsync(email);
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Count >= 6, Wait), "all six e-mails arrive");
        await Task.Delay(300);
        mails = await MailSink.ToAsync(email);
        Assert.Single(mails, m => m.Subject == "Welcome to Rewards");
        Assert.Single(mails, m => m.Subject.StartsWith("We received your order RW", StringComparison.Ordinal));
        Assert.Single(mails, m => m.Subject.StartsWith("Your order RW", StringComparison.Ordinal) && !m.Subject.EndsWith("has shipped", StringComparison.Ordinal));
        Assert.Contains("EE123456789KR", Assert.Single(mails, m => m.Subject.EndsWith("has shipped", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        Assert.Contains("1,000 of your online points", Assert.Single(mails, m => m.Subject == "Some of your points have expired").Text, StringComparison.Ordinal);
        Assert.Contains($"will expire on {bonusExpiresAt:yyyy-MM-dd}", Assert.Single(mails, m => m.Subject == "Your points expire soon").Text, StringComparison.Ordinal);
        Assert.Equal(6, mails.Count);
    }

    private static async Task AssertLedgerAsync(HttpClient member, HttpClient ops, long balance, int postings, (DateTimeOffset At, long Points) nextExpiry)
    {
        var online = await OnlineAsync(member);
        Assert.Equal(balance, online.GetProperty("balance").GetInt64());
        Assert.Equal(balance, online.GetProperty("available").GetInt64());
        Assert.Equal(0, online.GetProperty("pending").GetInt64());
        var expiry = online.GetProperty("nextExpiry");
        Assert.Equal(nextExpiry.Points, expiry.GetProperty("points").GetInt64());
        Assert.Equal(nextExpiry.At, expiry.GetProperty("at").GetDateTimeOffset(), TimeSpan.FromSeconds(1));

        var items = (await member.GetFromJsonAsync<JsonElement>("/accounts/me/postings")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(postings, items.Count);
        Assert.Equal(balance, items.Where(p => p.GetProperty("bucket").GetString() == "earned").Sum(p => p.GetProperty("amount").GetInt64()));
        Assert.Equal(0, items.Where(p => p.GetProperty("bucket").GetString() == "pending").Sum(p => p.GetProperty("amount").GetInt64()));

        var verify = await ops.GetFromJsonAsync<JsonElement>("/ops/verify");
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    private static async Task<string> RunJobAsync(HttpClient ops, string job)
    {
        var run = await ops.PostAsync($"/ops/jobs/{job}/run", null);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var result = await run.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("succeeded").GetBoolean(), result.ToString());
        return result.GetProperty("result").GetString()!;
    }

    private static async Task<JsonElement> OnlineAsync(HttpClient ledger)
    {
        var accounts = await ledger.GetFromJsonAsync<JsonElement>("/accounts/me");
        return accounts.GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("channel").GetString() == "online");
    }

    private static Task<string> RunActivationAsync(HttpClient ops) => RunJobAsync(ops, "activation");

    private async Task<DateTimeOffset> DeliveredAtAsync(Guid orderId)
    {
        await using var conn = new NpgsqlConnection(system.Orders.ConnectionString);
        return new DateTimeOffset(await conn.ExecuteScalarAsync<DateTime>("select delivered_at from orders where id = @orderId", new { orderId }), TimeSpan.Zero);
    }

    /// <summary>Marks every published event unpublished again, and adds the OrderPaid event once more under a new id.</summary>
    private async Task<Guid> ReplayAllEventsAsync()
    {
        foreach (var db in new[] { system.Membership.ConnectionString, system.Orders.ConnectionString, system.Ledger.ConnectionString })
        {
            await using var conn = new NpgsqlConnection(db);
            Assert.True(await conn.ExecuteAsync("update outbox_messages set published_at = null") > 0);
        }
        var duplicateId = Guid.NewGuid();
        await using (var conn = new NpgsqlConnection(system.Orders.ConnectionString))
        {
            await conn.ExecuteAsync(
                """
                insert into outbox_messages (message_id, message_type, body, correlation_id, created_at, next_attempt_at)
                select @duplicateId, message_type, body, correlation_id, created_at, created_at from outbox_messages
                where message_type = 'Rewards.Contracts.Orders.OrderPaid'
                """, new { duplicateId });
        }
        return duplicateId;
    }

    private static async Task<bool> InboxHasAsync(string db, Guid messageId)
    {
        await using var conn = new NpgsqlConnection(db);
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from inbox_messages where message_id = @messageId)", new { messageId });
    }

    private async Task<bool> QueuesDrainedAsync()
    {
        foreach (var db in new[] { system.Membership.ConnectionString, system.Orders.ConnectionString, system.Ledger.ConnectionString })
        {
            await using var conn = new NpgsqlConnection(db);
            if (await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages where published_at is null") > 0) return false;
        }
        using var http = TestServers.ManagementClient(await TestServers.RabbitMqAsync());
        var queues = await http.GetFromJsonAsync<JsonElement>($"api/queues/{Uri.EscapeDataString(system.VirtualHost)}?columns=name,messages,messages_unacknowledged");
        await Task.Delay(TimeSpan.FromSeconds(6)); // the management API's counts lag a few seconds
        var again = await http.GetFromJsonAsync<JsonElement>($"api/queues/{Uri.EscapeDataString(system.VirtualHost)}?columns=name,messages,messages_unacknowledged");
        return queues.EnumerateArray().Concat(again.EnumerateArray()).All(q =>
            q.TryGetProperty("messages", out var m) && m.GetInt64() == 0 &&
            q.TryGetProperty("messages_unacknowledged", out var u) && u.GetInt64() == 0);
    }
}
