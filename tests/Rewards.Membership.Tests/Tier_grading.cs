using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Contracts.Orders;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>M11: the grade follows the last 12 months of paid purchases, net of refunds, on every order and nightly.</summary>
public sealed class Tier_grading(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Now = new(2027, 2, 1, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task PayAsync(Guid memberId, Guid orderId, decimal usd, DateTimeOffset at) => service.PublishAsync(new OrderPaid
    {
        OrderId = orderId, OrderNumber = "RW" + orderId.ToString("N")[..8], MemberId = memberId, CustomerEmail = "x@example.com",
        CustomerName = "Ha-eun Jung", GoodsUsd = usd, AmountPaidUsd = usd, Lines = [], PaidAt = at,
    });

    private async Task<bool> TierIsAsync(string email, string tier)
    {
        using var member = await service.ClientAsync(email);
        return (await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("tier").GetString() == tier;
    }

    [Fact]
    [Trait("Rule", "M11")]
    public async Task Should_grade_from_the_last_12_months_of_paid_purchases_net_of_refunds()
    {
        await service.Host.SetClockAsync(Now);
        var email = MembershipService.NewEmail("tier");
        var memberId = await service.RegisterAsync(email);
        var second = Guid.CreateVersion7();

        await PayAsync(memberId, Guid.CreateVersion7(), 300m, Now);
        await PayAsync(memberId, second, 250m, Now);                       // 550 ≥ 500
        Assert.True(await Eventually.TrueAsync(() => TierIsAsync(email, "silver")));
        var changed = await service.LastEventAsync(memberId, "MemberTierChanged");
        Assert.Equal(("silver", "standard", 1.0m, 550m),
            (changed.GetProperty("tier").GetString(), changed.GetProperty("previousTier").GetString(),
             changed.GetProperty("earnMultiplier").GetDecimal(), changed.GetProperty("spendLast12MonthsUsd").GetDecimal()));

        await service.PublishAsync(new OrderRefunded { RefundId = Guid.CreateVersion7(), OrderId = second, MemberId = memberId, RefundUsd = 100m, At = Now });
        Assert.True(await Eventually.TrueAsync(() => TierIsAsync(email, "standard")), "450 after the refund");

        await service.Host.SetClockAsync(Now.AddMonths(2));
        await PayAsync(memberId, Guid.CreateVersion7(), 1600m, Now.AddMonths(2));  // 2,050 ≥ 2,000
        Assert.True(await Eventually.TrueAsync(() => TierIsAsync(email, "gold")));

        // The first purchases leave the window without any event: the nightly run notices; a second run changes nothing.
        await service.Host.SetClockAsync(Now.AddMonths(12).AddDays(1));
        Assert.EndsWith("1 changed", await service.RunJobAsync("tiers"), StringComparison.Ordinal);
        Assert.True(await TierIsAsync(email, "silver"), "1,600 in the window");
        Assert.EndsWith("0 changed", await service.RunJobAsync("tiers"), StringComparison.Ordinal);
        Assert.Equal(["MemberTierChanged", "MemberTierChanged", "MemberTierChanged", "MemberTierChanged"],
            (await service.EventsAsync(memberId)).Where(e => e == "MemberTierChanged"));
    }
}
