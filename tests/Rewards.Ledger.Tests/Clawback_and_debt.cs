using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>L4/L7 clawback from Orders events, L8 negative balances paid down by later earnings, L15 payoff.</summary>
public sealed class Clawback_and_debt(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2027, 8, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An order paid and delivered, its points activated 48 h later; the clock is left at activation.</summary>
    private async Task EarnFromOrderAsync(Guid member, Guid orderId, decimal paidUsd, long expectedTotal)
    {
        await _api.PublishAsync(LedgerApi.Paid(orderId, member, paidUsd, _api.Now));
        await _api.PublishAsync(new OrderDelivered { OrderId = orderId, MemberId = member, DeliveredAt = _api.Now });
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
            return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from lots where reference = @r and activate_after is not null)", new { r = orderId.ToString() });
        }, LedgerApi.Wait));
        await _api.SetClockAsync(_api.Now.AddHours(48));
        await _api.RunJobAsync("activation");
        Assert.Equal(expectedTotal, (await _api.BalanceAsync(member)).Total);
    }

    private async Task<long> OutboxCountAsync(string type, Guid member)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<long>(
            "select count(*) from outbox_messages where message_type = @type and body->>'memberId' = @m", new { type, m = member.ToString() });
    }

    [Fact]
    [Trait("Rule", "L4")]
    public async Task Should_void_the_pending_points_of_an_order_cancelled_before_delivery_without_going_negative()
    {
        await _api.SetClockAsync(Start);
        var (member, orderId) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PublishAsync(LedgerApi.Paid(orderId, member, 50.00m, Start));
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Pending == 500, LedgerApi.Wait));

        await _api.PublishAsync(new OrderCancelled { OrderId = orderId, MemberId = member, WasPaid = true, RefundUsd = 50.00m, At = Start });
        await _api.PublishAsync(new OrderDelivered { OrderId = orderId, MemberId = member, DeliveredAt = Start }); // a late event changes nothing

        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Pending == 0, LedgerApi.Wait));
        await _api.SetClockAsync(Start.AddDays(3));
        await _api.RunJobAsync("activation");
        Assert.Equal(new Balance(0, 0, 0, 0), await _api.BalanceAsync(member));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L4")]
    public async Task Should_not_earn_from_a_payment_event_that_arrives_after_the_orders_cancellation()
    {
        await _api.SetClockAsync(Start);
        var (member, orderId) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PublishAsync(new OrderCancelled { OrderId = orderId, MemberId = member, WasPaid = true, RefundUsd = 50.00m, At = Start });
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<bool>(
            "select exists (select 1 from cancelled_orders where order_id = @orderId)", new { orderId }), LedgerApi.Wait));

        await _api.PublishAsync(LedgerApi.Paid(orderId, member, 50.00m, Start));
        await _api.PublishAsync(LedgerApi.Paid(Guid.NewGuid(), member, 10.00m, Start));

        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Pending == 100, LedgerApi.Wait));
        await Task.Delay(500, Ct);
        Assert.Equal(100, (await _api.BalanceAsync(member)).Pending);
    }

    [Fact]
    [Trait("Rule", "L7")]
    public async Task Should_claw_back_the_floor_of_the_points_on_a_partial_refund_from_the_purchase_lot_first()
    {
        await _api.SetClockAsync(Start);
        var (member, orderId) = (Guid.NewGuid(), Guid.NewGuid());
        var other = await _api.PurchasePointsAsync(member, 100, purchasedAt: Start.AddDays(-100)); // expires first, FIFO would take it
        await EarnFromOrderAsync(member, orderId, 99.99m, 1099);                                     // floor(999.9) = 999

        await _api.PublishAsync(new OrderRefunded { RefundId = Guid.NewGuid(), OrderId = orderId, MemberId = member, RefundUsd = 33.33m, At = _api.Now });

        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == 1099 - 333, LedgerApi.Wait));
        var lots = (await _api.LotsAsync(member)).ToDictionary(l => l.LotId, l => l.Remaining);
        Assert.Equal(100, lots[other]);
        Assert.Equal(666, lots.Single(l => l.Key != other).Value);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L8")]
    public async Task Should_go_negative_on_a_refund_larger_than_the_balance_and_pay_it_down_from_the_next_earnings()
    {
        await _api.SetClockAsync(Start);
        var (member, orderId) = (Guid.NewGuid(), Guid.NewGuid());
        await EarnFromOrderAsync(member, orderId, 100.00m, 1000);
        var moved = await _api.TransferAsync(member, "online", "offline", 800); // only 200 left in the order's own lot online
        Assert.Equal(HttpStatusCode.Created, moved.StatusCode);

        var refundId = Guid.NewGuid();
        await _api.PublishAsync(new OrderRefunded { RefundId = refundId, OrderId = orderId, MemberId = member, RefundUsd = 100.00m, At = _api.Now });
        await _api.PublishAsync(new OrderRefunded { RefundId = refundId, OrderId = orderId, MemberId = member, RefundUsd = 100.00m, At = _api.Now });

        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == -800, LedgerApi.Wait));
        await Task.Delay(500, Ct);
        Assert.Equal(new Balance(-800, 0, 0, 0), await _api.BalanceAsync(member)); // the repeated refund event took nothing more
        Assert.Equal(1, await OutboxCountAsync("Rewards.Contracts.Ledger.BalanceWentNegative", member));
        Assert.Empty(await _api.LotsAsync(member, "online"));

        await EarnFromOrderAsync(member, Guid.NewGuid(), 50.00m, -300);  // 500 earned, all of it pays debt: no new lot
        Assert.Empty(await _api.LotsAsync(member, "online"));
        var credit = await _api.CreditAsync(member, new { channel = "online", points = 1000, kind = "correction", reason = "Goodwill" });
        var result = await credit.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((300L, 700L), (result.GetProperty("paidDebt").GetInt64(), result.GetProperty("lotPoints").GetInt64()));
        Assert.Equal(700, (await _api.LotsAsync(member, "online")).Single().Remaining);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L5")]
    public async Task Should_explain_each_lots_remaining_by_the_ledger_and_report_a_lot_it_does_not_explain()
    {
        await _api.SetClockAsync(Start);
        var (member, refunded, paysDebt) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await EarnFromOrderAsync(member, refunded, 100.00m, 1000);
        Assert.Equal(HttpStatusCode.Created, (await _api.TransferAsync(member, "online", "offline", 800)).StatusCode);
        await _api.PublishAsync(new OrderRefunded { RefundId = Guid.NewGuid(), OrderId = refunded, MemberId = member, RefundUsd = 100.00m, At = _api.Now });
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == -800, LedgerApi.Wait));

        await EarnFromOrderAsync(member, paysDebt, 120.00m, 400); // 1,200 pending points activate: 800 pay the debt, the lot keeps 400
        var lot = (await _api.LotsAsync(member, "online")).Single();
        Assert.Equal((1200L, 400L), (lot.Amount, lot.Remaining));
        await _api.AssertVerifiedAsync();

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.ExecuteAsync("update lots set remaining = remaining - 1 where id = @id", new { id = lot.LotId });
        try
        {
            using var ops = _api.Ops();
            var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
            Assert.Contains(report.GetProperty("violations").EnumerateArray(), v =>
                v.GetProperty("rule").GetString() == "lot-rebuilt-from-ledger" && v.GetProperty("detail").GetString()!.Contains($"{lot.LotId} has remaining 399", StringComparison.Ordinal));
        }
        finally
        {
            await conn.ExecuteAsync("update lots set remaining = remaining + 1 where id = @id", new { id = lot.LotId });
        }
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L5")]
    public async Task Should_report_an_activated_lot_whose_earned_date_is_not_its_activations()
    {
        await _api.SetClockAsync(Start);
        var (member, orderId) = (Guid.NewGuid(), Guid.NewGuid());
        await EarnFromOrderAsync(member, orderId, 10.00m, 100);
        var lot = (await _api.LotsAsync(member)).Single();
        Assert.Equal((_api.Now, _api.Now.AddMonths(60)), (lot.EarnedAt, lot.ExpiresAt));
        await _api.AssertVerifiedAsync();

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.ExecuteAsync("update lots set earned_at = earned_at - interval '1 hour' where id = @id", new { id = lot.LotId });
        try
        {
            var violations = await _api.ViolationsAsync();
            Assert.Contains(violations, v => v.Rule == "lot-activated-as-posted" && v.Detail.StartsWith($"Lot {lot.LotId}", StringComparison.Ordinal));
            Assert.Contains(violations, v => v.Rule == "lot-expires-after-its-earned-date" && v.Detail.StartsWith($"Lot {lot.LotId}", StringComparison.Ordinal));
        }
        finally
        {
            await conn.ExecuteAsync("update lots set earned_at = earned_at + interval '1 hour' where id = @id", new { id = lot.LotId });
        }
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_report_postings_whose_account_does_not_exist()
    {
        var (missing, transaction) = (Guid.NewGuid(), Guid.NewGuid());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.ExecuteAsync(
            """
            insert into postings (transaction_id, account_id, kind, amount, effective_at, reference, idempotency_key, caused_by)
            values (@transaction, @missing, 'test', -5, @at, 'test', 'test', 'test'), (@transaction, @breakage, 'test', 5, @at, 'test', 'test', 'test')
            """, new { transaction, missing, breakage = Data.SystemAccounts.Breakage, at = _api.Now });

        using var ops = _api.Ops();
        var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        Assert.Contains(report.GetProperty("violations").EnumerateArray(), v =>
            v.GetProperty("rule").GetString() == "posting-account-exists" && v.GetProperty("accountId").GetGuid() == missing);

        // With the account in place (as a system account: no balance of its own to check) the ledger is whole again.
        await conn.ExecuteAsync("insert into accounts (id, bucket, created_at) values (@missing, @bucket, now())", new { missing, bucket = $"test-{missing:N}" });
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L15")]
    public async Task Should_debit_and_pay_off_once_for_keys_sent_concurrently()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        async Task<(HttpStatusCode Status, string Body)[]> SendFiveTimesAsync(string path, object body)
        {
            var key = Guid.NewGuid().ToString();
            return await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
            {
                using var ops = _api.Ops();
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await ops.SendAsync(request, Ct);
                return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
            }));
        }

        var debits = await SendFiveTimesAsync($"/ops/members/{member}/debits", new { channel = "online", points = 800, reason = "Refund after spending" });
        var payoffs = await SendFiveTimesAsync($"/ops/members/{member}/payoff", new { channel = "online", paidUsd = 1.00m, paymentReference = "PAY-1" });

        Assert.All(debits.Concat(payoffs), a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Single(debits.Select(a => a.Body).Distinct());
        Assert.Single(payoffs.Select(a => a.Body).Distinct());
        Assert.Equal(0, (await _api.BalanceAsync(member)).Total);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>(
            "select count(*) from postings p join accounts a on a.id = p.account_id where a.member_id = @member", new { member }));
        await _api.AssertVerifiedAsync();
    }

    [Theory]
    [InlineData(-800, "0.80", HttpStatusCode.BadRequest)] // the minimum is USD 1.00
    [InlineData(-800, "1.00", HttpStatusCode.Created)]
    [InlineData(-2500, "2.49", HttpStatusCode.BadRequest)]
    [InlineData(-2500, "2.50", HttpStatusCode.Created)]
    [InlineData(-1234, "1.24", HttpStatusCode.Created)]   // a part of a cent is rounded up
    [Trait("Rule", "L15")]
    public async Task Should_clear_a_negative_balance_only_with_the_payoff_amount(long balance, string paid, HttpStatusCode expected)
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        using var ops = _api.Ops();
        (await ops.PostAsJsonAsync($"/ops/members/{member}/debits", new { channel = "online", points = -balance, reason = "Refund after spending" }, Ct))
            .EnsureSuccessStatusCode();

        var payoff = await ops.PostAsJsonAsync($"/ops/members/{member}/payoff",
            new { channel = "online", paidUsd = decimal.Parse(paid, System.Globalization.CultureInfo.InvariantCulture), paymentReference = $"PAY-{Guid.NewGuid():N}" }, Ct);

        Assert.Equal(expected, payoff.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Created ? 0 : balance, (await _api.BalanceAsync(member)).Total);
        if (expected == HttpStatusCode.BadRequest) Assert.Equal("/problems/payoff-amount-mismatch", await LedgerApi.ProblemTypeAsync(payoff));
        await _api.AssertVerifiedAsync();
    }

    [Theory]
    [InlineData(-800, 1067, 1066)] // USD 0.80 at 0.00075 USD/KRW = 1,066.67 KRW, rounded up
    [InlineData(-300, 1000, 400)]  // USD 0.30 = 400 KRW, below the KRW 1,000 minimum
    [Trait("Rule", "L15")]
    public async Task Should_accept_a_payoff_in_krw_at_the_rate_in_force_with_a_1000_krw_minimum(long balance, int due, int tooLittle)
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        using var ops = _api.Ops();
        (await ops.PutAsJsonAsync("/ops/exchange-rates/KRW", new { usdPerUnit = 0.00075m, effectiveFrom = Start.AddDays(-1) }, Ct)).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync($"/ops/members/{member}/debits", new { channel = "online", points = -balance, reason = "Refund after spending" }, Ct))
            .EnsureSuccessStatusCode();

        var underpaid = await ops.PostAsJsonAsync($"/ops/members/{member}/payoff",
            new { channel = "online", currency = "KRW", paidAmount = tooLittle, paymentReference = $"PAY-{Guid.NewGuid():N}" }, Ct);
        var exact = await ops.PostAsJsonAsync($"/ops/members/{member}/payoff",
            new { channel = "online", currency = "KRW", paidAmount = due, paymentReference = $"PAY-{Guid.NewGuid():N}" }, Ct);

        Assert.Equal("/problems/payoff-amount-mismatch", await LedgerApi.ProblemTypeAsync(underpaid));
        Assert.Equal(HttpStatusCode.Created, exact.StatusCode);
        Assert.Equal(0, (await _api.BalanceAsync(member)).Total);
    }

    [Fact]
    [Trait("Rule", "L13")]
    public async Task Should_record_who_debited_why_and_the_compensation_on_the_posting()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);
        using var ops = _api.Ops();

        var debit = await ops.PostAsJsonAsync($"/ops/members/{member}/debits",
            new { channel = "online", points = 400, reason = "Programme change, notice given 2027-02-01", compensationReference = "VOUCHER-77" }, Ct);

        Assert.Equal(HttpStatusCode.Created, debit.StatusCode);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var causedBy = await conn.ExecuteScalarAsync<string>(
            "select p.caused_by from postings p join accounts a on a.id = p.account_id where a.member_id = @member and p.kind = 'correction-debit'", new { member });
        Assert.Equal("ops:00000000-0000-7000-8000-0000000000aa (Programme change, notice given 2027-02-01; compensated by VOUCHER-77)", causedBy);
        Assert.Equal(600, (await _api.BalanceAsync(member)).Total);
    }
}
