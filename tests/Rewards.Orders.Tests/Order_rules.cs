using CsCheck;
using Rewards.Orders.Domain;

namespace Rewards.Orders.Tests;

/// <summary>The pure order rules of Domain/ at their edges (O4–O7), with the SPEC's default policy.</summary>
public sealed class Order_rules
{
    private static readonly ProgramPolicy Policy = new();
    private static readonly DateTimeOffset T = new(2027, 4, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [Trait("Rule", "O6")]
    [InlineData(49.99, 500, "US", "standard", 6.00, 2.99)]
    [InlineData(50.00, 500, "US", "standard", 0.00, 2.99)]   // free above 49.99, tracking still charged
    [InlineData(50.00, 1900, "US", "standard", 0.00, 2.99)]
    [InlineData(50.00, 1901, "US", "ems", 15.00, 2.99)]      // over 1,900 g: EMS with its surcharge, whatever was asked
    [InlineData(20.00, 1901, "US", "ems", 21.00, 2.99)]
    [InlineData(20.00, 2500, "KR", "ems", 0.00, 0.00)]       // residents of Korea pay neither
    public void Should_charge_shipping_and_tracking_by_amount_weight_and_destination(
        double goods, int grams, string country, string method, double shipping, double tracking)
    {
        var quote = Shipping.Quote((decimal)goods, grams, country, Shipping.Standard, Policy);

        Assert.Equal((method, (decimal)shipping, (decimal)tracking), (quote.Method, quote.ShippingUsd, quote.TrackingFeeUsd));
    }

    [Fact]
    [Trait("Rule", "O6")]
    public void Should_never_charge_less_for_a_heavier_parcel_or_more_for_more_goods() =>
        Gen.Select(Gen.Int[0, 500_000], Gen.Int[0, 5000], Gen.Int[0, 5000], Gen.Int[0, 2].Select(i => new[] { "US", "KR", "GB" }[i]))
            .Sample((cents, grams, extraGrams, country) =>
            {
                var goods = cents / 100m;
                var light = Shipping.Quote(goods, grams, country, Shipping.Standard, Policy);
                var heavy = Shipping.Quote(goods, grams + extraGrams, country, Shipping.Standard, Policy);
                var richer = Shipping.Quote(goods + 10m, grams, country, Shipping.Standard, Policy);
                return heavy.ShippingUsd >= light.ShippingUsd && richer.ShippingUsd <= light.ShippingUsd && light.ShippingUsd >= 0;
            });

    private static CancellationVerdict Cancel(string status, DateTimeOffset now, params CancellableLine[] lines) =>
        Cancellation.Decide(status, T, lines, now, Policy);

    private static readonly CancellableLine Album = new(ItemTypes.Normal, 2, null);

    [Fact]
    [Trait("Rule", "O4")]
    public void Should_cancel_normal_items_within_24_hours_of_payment_only()
    {
        Assert.True(Cancel(OrderStatus.Processing, T.AddHours(23).AddMinutes(59), Album).Allowed);
        var late = Cancel(OrderStatus.Processing, T.AddHours(24).AddMinutes(1), Album);
        Assert.Equal((false, "cancellation-window-closed"), (late.Allowed, late.RefusalType));
    }

    [Fact]
    [Trait("Rule", "O4")]
    public void Should_cancel_meet_and_greet_items_until_30_minutes_before_the_broadcast_and_never_after_it_starts()
    {
        var broadcast = T.AddDays(3);
        var signing = new CancellableLine(ItemTypes.MeetAndGreet, 1, broadcast);

        Assert.True(Cancel(OrderStatus.Processing, broadcast.AddMinutes(-31), signing).Allowed); // days after payment: its own window
        Assert.False(Cancel(OrderStatus.Processing, broadcast.AddMinutes(-29), signing).Allowed);
        Assert.False(Cancel(OrderStatus.Processing, broadcast.AddMinutes(5), signing).Allowed);
        Assert.False(Cancel(OrderStatus.Processing, broadcast.AddMinutes(-31), signing, Album).Allowed); // the album's 24 h are over
    }

    [Fact]
    [Trait("Rule", "O4")]
    public void Should_charge_3_dollars_per_item_to_cancel_a_prepared_order_and_refuse_once_shipped()
    {
        var prepared = Cancel(OrderStatus.Prepared, T.AddDays(5), Album, new CancellableLine(ItemTypes.Normal, 3, null));
        Assert.Equal((true, 15.00m), (prepared.Allowed, prepared.FeeUsd));

        foreach (var status in new[] { OrderStatus.Complete, OrderStatus.Delivered, OrderStatus.PickedUp })
            Assert.Equal("order-not-cancellable", Cancel(status, T.AddHours(1), Album).RefusalType);
        Assert.Equal((true, 0m), (Cancel(OrderStatus.PendingPayment, T.AddDays(9), Album) is var unpaid ? (unpaid.Allowed, unpaid.FeeUsd) : default));
    }

    private static DefectVerdict Defects(DateTimeOffset now, string? photo, decimal paid, decimal refunded, params DefectClaim[] claims) =>
        DefectRefunds.Decide(T, now, photo, claims, paid, refunded, Policy);

    [Fact]
    [Trait("Rule", "O5")]
    public void Should_refund_defects_within_3_days_of_delivery_with_a_photo_at_the_fixed_amounts()
    {
        var all = new[] { new DefectClaim(DefectRefunds.MissingPhotoCard), new DefectClaim(DefectRefunds.MissingPoster),
                          new DefectClaim(DefectRefunds.MissingAutograph), new DefectClaim(DefectRefunds.Damaged) };
        Assert.Equal(12.00m, Defects(T.AddDays(3).AddMinutes(-1), "photo-1", 100m, 0m, all).RefundUsd); // 2 + 4 + 3 + 3
        Assert.Equal("defect-claim-too-late", Defects(T.AddDays(3).AddMinutes(1), "photo-1", 100m, 0m, all).RefusalType); // day 4
        Assert.Equal("photo-required", Defects(T.AddDays(1), " ", 100m, 0m, all).RefusalType);
        Assert.Equal("order-not-delivered", DefectRefunds.Decide(null, T, "photo", all, 100m, 0m, Policy).RefusalType);
    }

    [Fact]
    [Trait("Rule", "O5")]
    public void Should_let_ops_vary_each_amount_by_2_dollars_at_most_and_never_refund_more_than_was_paid()
    {
        Assert.Equal(5.00m, Defects(T.AddDays(1), "p", 100m, 0m, new DefectClaim(DefectRefunds.MissingAutograph, 2.00m)).RefundUsd);
        Assert.Equal(1.00m, Defects(T.AddDays(1), "p", 100m, 0m, new DefectClaim(DefectRefunds.MissingAutograph, -2.00m)).RefundUsd);
        Assert.Equal("defect-adjustment-too-large",
            Defects(T.AddDays(1), "p", 100m, 0m, new DefectClaim(DefectRefunds.MissingPoster, 2.01m)).RefusalType);
        Assert.Equal(1.50m, Defects(T.AddDays(1), "p", 10m, 8.50m, new DefectClaim(DefectRefunds.MissingPoster)).RefundUsd);
    }

    [Fact]
    [Trait("Rule", "O7")]
    public void Should_limit_residents_of_Korea_to_3000_dollars_per_departure_and_keep_alcohol_and_tobacco_from_minors()
    {
        var departure = new DateOnly(2027, 5, 1);
        var adult = new DateOnly(1990, 1, 1);
        Assert.Null(DutyFree.Check(1000m, 2000m, "KR", adult, departure, [ItemTypes.Normal], Policy));
        Assert.Equal("duty-free-limit-exceeded", DutyFree.Check(1000.01m, 2000m, "KR", adult, departure, [ItemTypes.Normal], Policy)?.Type);
        Assert.Null(DutyFree.Check(9000m, 2000m, "JP", adult, departure, [ItemTypes.Normal], Policy));

        var nineteenOnDeparture = departure.AddYears(-19);
        Assert.Null(DutyFree.Check(50m, 0m, "JP", nineteenOnDeparture, departure, [ItemTypes.Alcohol], Policy));
        Assert.Equal("age-restricted-item", DutyFree.Check(50m, 0m, "JP", nineteenOnDeparture.AddDays(1), departure, [ItemTypes.Tobacco], Policy)?.Type);
        Assert.Null(DutyFree.Check(50m, 0m, "JP", nineteenOnDeparture.AddDays(1), departure, [ItemTypes.Normal], Policy));
    }
}
