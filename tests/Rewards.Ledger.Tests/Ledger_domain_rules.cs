using CsCheck;
using Rewards.Ledger.Domain;

namespace Rewards.Ledger.Tests;

public sealed class Ledger_domain_rules
{
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static Lot NewLot(long remaining, int expiresInDays, int earnedDaysAgo = 10, Guid? id = null, LotSource source = LotSource.Purchase) =>
        new(id ?? Guid.NewGuid(), remaining, Now.AddDays(-earnedDaysAgo), Now.AddDays(expiresInDays), source, source != LotSource.Promotion);

    private static readonly Gen<List<Lot>> Lots =
        Gen.Select(Gen.Long[0, 5_000], Gen.Int[-5, 2_000], Gen.Int[0, 2_000], Gen.Guid)
            .Select((remaining, expires, earned, id) => NewLot(remaining, expires, earned, id))
            .List[0, 12];

    [Theory]
    [InlineData(123.00, 0.01, 1230)]
    [InlineData(10.005, 0.01, 100)]
    [InlineData(0.0999, 0.01, 0)]
    [InlineData(49.99, 0.015, 749)]
    [InlineData(-5.00, 0.01, 0)]
    [Trait("Rule", "L3")]
    public void Should_earn_the_floor_of_paid_usd_times_rate_times_1000(decimal paid, decimal rate, long points) =>
        Assert.Equal(points, Earning.Points(paid, rate, usdPerPoint: 0.001m));

    [Fact]
    [Trait("Rule", "L5")]
    public void Should_consume_the_earliest_expiry_first_then_the_earliest_earned_then_the_lowest_id()
    {
        var a = Guid.Parse("00000000-0000-0000-0000-00000000000a");
        var b = Guid.Parse("00000000-0000-0000-0000-00000000000b");
        var late = NewLot(100, expiresInDays: 300);
        var earlyOld = NewLot(100, expiresInDays: 30, earnedDaysAgo: 50);
        var earlyNewA = NewLot(100, expiresInDays: 30, earnedDaysAgo: 5, id: b);
        var earlyNewB = NewLot(100, expiresInDays: 30, earnedDaysAgo: 5, id: a);

        var result = Fifo.Allocate([late, earlyNewA, earlyOld, earlyNewB], 350);

        Assert.Equal([earlyOld.Id, a, b, late.Id], result.Allocations.Select(x => x.LotId));
        Assert.Equal([100L, 100, 100, 50], result.Allocations.Select(x => x.Points));
        Assert.Equal(0, result.Shortfall);
    }

    [Fact]
    [Trait("Rule", "L5")]
    public void Should_allocate_no_more_than_each_lot_holds_and_in_FIFO_order_for_any_lots()
    {
        Gen.Select(Lots, Gen.Long[0, 40_000]).Sample((lots, points) =>
        {
            var result = Fifo.Allocate(lots, points);
            var available = lots.Sum(l => l.Remaining);
            var byId = lots.ToDictionary(l => l.Id);

            Assert.Equal(Math.Min(points, available), result.Allocated);
            Assert.Equal(points - result.Allocated, result.Shortfall);
            Assert.All(result.Allocations, x => Assert.InRange(x.Points, 1, byId[x.LotId].Remaining));
            // Every lot before the last one used is used up, and the lots used are a FIFO prefix.
            var ordered = Fifo.Order(lots.Where(l => l.Remaining > 0)).ToList();
            Assert.Equal(ordered.Take(result.Allocations.Count).Select(l => l.Id), result.Allocations.Select(x => x.LotId));
            Assert.All(result.Allocations.SkipLast(1), x => Assert.Equal(byId[x.LotId].Remaining, x.Points));
        });
    }

    [Fact]
    [Trait("Rule", "L7")]
    public void Should_claw_back_from_the_purchase_lot_first_then_FIFO_then_leave_a_shortfall()
    {
        var other = NewLot(300, expiresInDays: 10);
        var own = NewLot(200, expiresInDays: 900);

        var result = Fifo.Clawback([other, own], own.Id, 600);

        Assert.Equal([own.Id, other.Id], result.Allocations.Select(x => x.LotId));
        Assert.Equal([200L, 300], result.Allocations.Select(x => x.Points));
        Assert.Equal(100, result.Shortfall); // the balance goes 100 negative
    }

    [Theory]
    [InlineData(-300, 1230, 300, 930)]
    [InlineData(-2000, 1230, 1230, 0)]
    [InlineData(500, 1230, 0, 1230)]
    [Trait("Rule", "L8")]
    public void Should_pay_down_debt_before_creating_a_lot(long balance, long credit, long paysDebt, long newLot) =>
        Assert.Equal((paysDebt, newLot), PointsRules.SplitCredit(balance, credit));

    [Fact]
    [Trait("Rule", "L8")]
    public void Should_never_create_a_lot_while_debt_remains() =>
        Gen.Select(Gen.Long[-100_000, 100_000], Gen.Long[0, 100_000]).Sample((balance, credit) =>
        {
            var (paysDebt, newLot) = PointsRules.SplitCredit(balance, credit);
            Assert.Equal(credit, paysDebt + newLot);
            Assert.True(newLot == 0 || balance + paysDebt >= 0);
        });

    [Theory]
    [InlineData(10, true)]
    [InlineData(15, false)]
    [InlineData(0, false)]
    [InlineData(1000, true)]
    [Trait("Rule", "L9")]
    public void Should_redeem_only_whole_units_of_10(long points, bool allowed) =>
        Assert.Equal(allowed, PointsRules.IsWholeUnits(points, 10));

    [Theory]
    [InlineData(LotSource.Purchase, true)]
    [InlineData(LotSource.MissedEarning, true)]
    [InlineData(LotSource.Promotion, false)]
    [InlineData(LotSource.Gift, false)]
    [InlineData(LotSource.Correction, false)]
    [Trait("Rule", "L10")]
    public void Should_gift_only_purchase_points(LotSource source, bool giftable) =>
        Assert.Equal(giftable, PointsRules.IsGiftable(NewLot(100, 100, source: source)));

    [Fact]
    [Trait("Rule", "L10")]
    public void Should_extend_a_gifted_lot_by_6_months_when_less_than_6_months_are_left()
    {
        var fiveMonthsLeft = Now.AddMonths(5);
        var exactlySix = Now.AddMonths(6);

        Assert.Equal(fiveMonthsLeft.AddMonths(6), PointsRules.GiftedExpiry(fiveMonthsLeft, Now));
        Assert.Equal(exactlySix, PointsRules.GiftedExpiry(exactlySix, Now));
    }

    [Theory]
    [InlineData(-500, 1.00)]
    [InlineData(-1500, 1.50)]
    [InlineData(-1001, 1.01)]
    [InlineData(0, 0)]
    [Trait("Rule", "L15")]
    public void Should_ask_at_least_one_dollar_to_pay_off_a_negative_balance(long balance, decimal usd) =>
        Assert.Equal(usd, PointsRules.PayoffUsd(balance));
}
