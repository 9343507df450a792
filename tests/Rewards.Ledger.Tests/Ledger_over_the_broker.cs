using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.Contracts.Orders;
using Rewards.Ledger;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

public sealed class LedgerService : IAsyncLifetime
{
    public ServiceHost<ProgramPolicy> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<ProgramPolicy>.StartAsync("Ledger", await TestServers.CreateVirtualHostAsync("ledger"));

    /// <summary>After every test of the class, L18 must hold over the whole database: a violation fails the run.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var ops = Host.ClientWithToken(TestTokens.Ops());
            var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify");
            if (!report.GetProperty("ok").GetBoolean())
                throw new InvalidOperationException($"L18 violated after the tests of this class: {report.GetProperty("violations")}");
        }
        finally
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>The Ledger fed through RabbitMQ as Orders would feed it, with events in any order.</summary>
public sealed class Ledger_over_the_broker(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private Task PublishAsync<T>(T message) where T : class =>
        service.Host.Services.GetRequiredService<IBus>().Publish(message, TestContext.Current.CancellationToken);

    private async Task<(long Earned, long Pending)> BalanceAsync(Guid memberId)
    {
        using var member = service.Host.ClientWithToken(TestTokens.Member(memberId, "m@example.com"));
        var online = (await member.GetFromJsonAsync<JsonElement>("/accounts/me", TestContext.Current.CancellationToken))
            .GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("channel").GetString() == "online");
        return (online.GetProperty("balance").GetInt64(), online.GetProperty("pending").GetInt64());
    }

    private static OrderPaid Paid(Guid orderId, Guid? memberId, decimal amount, DateTimeOffset at) => new()
    {
        OrderId = orderId, OrderNumber = "RW1", MemberId = memberId, CustomerEmail = "m@example.com", CustomerName = "M",
        GoodsUsd = amount, AmountPaidUsd = amount, Lines = [], PaidAt = at,
    };

    [Fact]
    [Trait("Rule", "L4")]
    public async Task Should_start_the_48h_from_a_delivery_that_arrived_before_the_payment()
    {
        var memberId = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await service.Host.SetClockAsync(now);

        await PublishAsync(new OrderDelivered { OrderId = orderId, MemberId = memberId, DeliveredAt = now.AddHours(-47) });
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await PublishAsync(Paid(orderId, memberId, 50.00m, now.AddHours(-50)));
        Assert.True(await Eventually.TrueAsync(async () => (await BalanceAsync(memberId)).Pending == 500, Wait));

        using var ops = service.Host.ClientWithToken(TestTokens.Ops());
        await ops.PostAsync("/ops/jobs/activation/run", null, TestContext.Current.CancellationToken);
        Assert.Equal((0L, 500L), await BalanceAsync(memberId)); // 47 h after delivery: still pending

        await service.Host.SetClockAsync(now.AddHours(1).AddMinutes(1));
        using var opsLater = service.Host.ClientWithToken(TestTokens.Ops());
        await opsLater.PostAsync("/ops/jobs/activation/run", null, TestContext.Current.CancellationToken);
        Assert.Equal((500L, 0L), await BalanceAsync(memberId));
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_credit_nothing_for_a_guest_order_and_once_for_an_order_paid_event_sent_twice()
    {
        var memberId = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        var guestOrderId = Guid.NewGuid();
        await PublishAsync(Paid(guestOrderId, null, 80.00m, DateTimeOffset.UtcNow));
        await PublishAsync(Paid(orderId, memberId, 80.00m, DateTimeOffset.UtcNow));
        await PublishAsync(Paid(orderId, memberId, 80.00m, DateTimeOffset.UtcNow)); // a second event, new MessageId

        Assert.True(await Eventually.TrueAsync(async () => (await BalanceAsync(memberId)).Pending == 800, Wait));
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal((0L, 800L), await BalanceAsync(memberId));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from lots where reference = @r", new { r = guestOrderId.ToString() }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("select count(*) from lots where reference = @r", new { r = orderId.ToString() }));
    }

    [Fact]
    [Trait("Rule", "L17")]
    public async Task Should_credit_nothing_for_a_purchase_that_used_another_promotion()
    {
        var memberId = Guid.NewGuid();
        var stacked = Guid.NewGuid();
        await PublishAsync(Paid(stacked, memberId, 60.00m, DateTimeOffset.UtcNow) with { UsedOtherPromotion = true });
        await PublishAsync(Paid(Guid.NewGuid(), memberId, 20.00m, DateTimeOffset.UtcNow));

        Assert.True(await Eventually.TrueAsync(async () => (await BalanceAsync(memberId)).Pending == 200, Wait));
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal((0L, 200L), await BalanceAsync(memberId));
    }

    [Fact]
    [Trait("Rule", "M11")]
    [Trait("Rule", "L7")]
    public async Task Should_earn_and_claw_back_with_the_multiplier_of_the_members_grade()
    {
        var memberId = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        await PublishAsync(Paid(orderId, memberId, 100.00m, DateTimeOffset.UtcNow) with { EarnMultiplier = 1.5m });
        Assert.True(await Eventually.TrueAsync(async () => (await BalanceAsync(memberId)).Pending == 1500, Wait), "floor(100.00 × 1% × 1.5 × 1,000)");

        await PublishAsync(new OrderRefunded { RefundId = Guid.NewGuid(), OrderId = orderId, MemberId = memberId, RefundUsd = 10.00m, EarnMultiplier = 1.5m, At = DateTimeOffset.UtcNow });
        Assert.True(await Eventually.TrueAsync(async () => (await BalanceAsync(memberId)).Pending == 1350, Wait), "the 150 points earned on USD 10.00 go back");
    }

    [Theory]
    [InlineData("update postings set amount = amount + 1")]
    [InlineData("delete from postings")]
    [InlineData("truncate postings")]
    [Trait("Rule", "L2")]
    public async Task Should_refuse_to_change_or_remove_postings_in_the_database_itself(string sql)
    {
        await PublishAsync(Paid(Guid.NewGuid(), Guid.NewGuid(), 10.00m, DateTimeOffset.UtcNow));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("select count(*) from postings") > 0, Wait));

        var error = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("update postings set amount = amount + 1")]
    [InlineData("delete from postings")]
    [InlineData("truncate postings")]
    [InlineData("delete from allocations")]
    [Trait("Rule", "L2")]
    public async Task Should_give_the_service_no_privilege_to_change_or_remove_postings(string sql)
    {
        await PublishAsync(Paid(Guid.NewGuid(), Guid.NewGuid(), 10.00m, DateTimeOffset.UtcNow));
        var db = service.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync(TestContext.Current.CancellationToken);
        Assert.True(await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("select count(*) from postings") > 0, Wait));

        var error = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));

        Assert.Equal("rewards_ledger_app", await conn.ExecuteScalarAsync<string>("select current_user"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }
}
