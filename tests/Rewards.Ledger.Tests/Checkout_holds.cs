using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>L9: two-phase redemption at checkout, over the broker as Orders uses it.</summary>
public sealed class Checkout_holds(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2027, 5, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);

    private async Task<long> RedeemedAsync(Guid holdId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<long>(
            "select coalesce(sum(amount), 0)::bigint from postings where account_id = '00000000-0000-7000-8000-00000000a002' and reference = @r",
            new { r = holdId.ToString() });
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_hold_then_redeem_on_commit_and_answer_a_repeated_request_with_the_same_hold()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);
        var holdId = Guid.NewGuid();

        var held = Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 600, Guid.NewGuid()));
        var again = Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 600));

        Assert.Equal(600L, held.Points);
        Assert.Equal(Start.AddMinutes(30), held.ExpiresAt, TimeSpan.FromSeconds(5)); // the test clock runs on
        Assert.Equal((held.HoldId, held.Points), (again.HoldId, again.Points));
        Assert.Equal(held.ExpiresAt, again.ExpiresAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(new Balance(1000, 400, 0, 600), await _api.BalanceAsync(member));

        await _api.PublishAsync(new CommitPointsHold { HoldId = holdId });
        await _api.PublishAsync(new CommitPointsHold { HoldId = holdId });
        Assert.True(await Eventually.TrueAsync(async () => await _api.BalanceAsync(member) == new Balance(400, 400, 0, 0), LedgerApi.Wait));
        Assert.Equal(600, await RedeemedAsync(holdId));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_answer_a_redelivered_hold_request_again_without_holding_twice()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);
        var (holdId, messageId) = (Guid.NewGuid(), Guid.NewGuid());

        var held = Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 600, messageId: messageId));
        // The same message again, as after a crash between the commit and the answer: it is answered, and changes nothing.
        var again = Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 600, messageId: messageId));

        Assert.Equal((held.HoldId, held.Points), (again.HoldId, again.Points));
        Assert.Equal(new Balance(1000, 400, 0, 600), await _api.BalanceAsync(member));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "select count(*) from inbox_messages where message_id = @messageId and consumer = 'HoldPointsConsumer'", new { messageId }));
        await _api.AssertVerifiedAsync();
    }

    [Theory]
    [InlineData(15, "invalid-points-unit")]
    [InlineData(1010, "insufficient-points")]
    [Trait("Rule", "L9")]
    public async Task Should_refuse_a_hold_of_odd_units_or_more_than_available(long points, string reason)
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);

        var refused = Assert.IsType<PointsHoldRefused>(await _api.HoldAsync(Guid.NewGuid(), member, points));

        Assert.Equal(reason, refused.Reason);
        Assert.Equal(new Balance(1000, 1000, 0, 0), await _api.BalanceAsync(member));
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_release_a_hold_after_30_minutes_into_the_lots_it_came_from()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        var first = await _api.PurchasePointsAsync(member, 300, purchasedAt: Start.AddDays(-30));
        var second = await _api.PurchasePointsAsync(member, 500);
        var holdId = Guid.NewGuid();
        Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 400));
        Assert.Equal([(second, 400L)], (await _api.LotsAsync(member)).Select(l => (l.LotId, l.Remaining)).ToList()); // FIFO: the older lot first

        await _api.SetClockAsync(Start.AddMinutes(29));
        await _api.RunJobAsync("hold-timeouts");
        Assert.Equal(400, (await _api.BalanceAsync(member)).Held);

        await _api.SetClockAsync(Start.AddMinutes(31));
        await _api.RunJobAsync("hold-timeouts");
        await _api.PublishAsync(new CommitPointsHold { HoldId = holdId }); // too late: refused, nothing redeemed

        Assert.Equal(new Balance(800, 800, 0, 0), await _api.BalanceAsync(member));
        var lots = (await _api.LotsAsync(member)).ToDictionary(l => l.LotId, l => l.Remaining);
        Assert.Equal((300L, 500L), (lots[first], lots[second]));
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(0, await RedeemedAsync(holdId));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_give_back_redeemed_points_when_a_paid_order_is_cancelled_expiring_again_what_expired_meanwhile()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        var old = await _api.PurchasePointsAsync(member, 200, purchasedAt: Start.AddDays(-364)); // expires Start + 60 months − 364 days
        var fresh = await _api.PurchasePointsAsync(member, 500);
        var holdId = Guid.NewGuid();
        Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 300, orderId));
        await _api.PublishAsync(new CommitPointsHold { HoldId = holdId });
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == 400, LedgerApi.Wait));

        var afterExpiry = Start.AddDays(-364).AddMonths(60).AddDays(1);
        await _api.SetClockAsync(afterExpiry);
        await _api.RunJobAsync("expiry"); // the old lot had nothing left to expire: all 200 were redeemed
        await _api.PublishAsync(new OrderCancelled { OrderId = orderId, MemberId = member, PointsHoldId = holdId, WasPaid = true, RefundUsd = 10m, At = afterExpiry });

        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == 500, LedgerApi.Wait));
        var lots = (await _api.LotsAsync(member)).ToDictionary(l => l.LotId, l => l.Remaining);
        Assert.False(lots.ContainsKey(old));       // its 200 came back and expired again at once
        Assert.Equal(500, lots[fresh]);            // its 100 came back
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(200, await conn.ExecuteScalarAsync<long>(
            "select coalesce(sum(amount), 0)::bigint from postings where account_id = '00000000-0000-7000-8000-00000000a003' and lot_id = @old", new { old }));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_release_the_hold_of_an_order_cancelled_before_payment()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        var orderId = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 500);
        var holdId = Guid.NewGuid();
        Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, member, 500, orderId));

        await _api.PublishAsync(new OrderCancelled { OrderId = orderId, MemberId = member, PointsHoldId = holdId, WasPaid = false, RefundUsd = 0m, At = Start });

        Assert.True(await Eventually.TrueAsync(async () => await _api.BalanceAsync(member) == new Balance(500, 500, 0, 0), LedgerApi.Wait));
        await _api.AssertVerifiedAsync();
    }
}
