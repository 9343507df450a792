using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Contracts.Orders;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>
/// M7 without a Ledger: open orders (from Orders events) refuse a withdrawal before the Ledger is asked, and when the
/// Ledger cannot be asked nothing is withdrawn. The paths through a real Ledger are in the end-to-end tests.
/// </summary>
public sealed class Withdrawal_rules(MembershipService service) : IClassFixture<MembershipService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static OrderPaid Paid(Guid orderId, Guid memberId) => new()
    {
        OrderId = orderId, OrderNumber = $"RW{orderId.ToString("N")[..8]}", MemberId = memberId, CustomerEmail = "x@example.com",
        CustomerName = "Ha-eun Jung", GoodsUsd = 40m, AmountPaidUsd = 40m, Lines = [], PaidAt = DateTimeOffset.UtcNow,
    };

    private static Task<HttpResponseMessage> WithdrawAsync(HttpClient member) =>
        member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "Moving abroad" }, Ct);

    [Fact]
    [Trait("Rule", "M7")]
    public async Task Should_refuse_while_a_paid_order_is_on_its_way_and_then_refuse_to_guess_when_the_Ledger_is_down()
    {
        await service.Host.SetClockAsync(DateTimeOffset.UtcNow);
        var email = MembershipService.NewEmail("wd");
        var memberId = await service.RegisterAsync(email);
        using var member = await service.ClientAsync(email);
        var orderId = Guid.CreateVersion7();

        await service.PublishAsync(Paid(orderId, memberId));
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            var response = await WithdrawAsync(member);
            return response.StatusCode == HttpStatusCode.Conflict && await MembershipService.ProblemTypeAsync(response) == "/problems/withdrawal-open-orders";
        }), "an undelivered paid order blocks the withdrawal");

        await service.PublishAsync(new OrderDelivered { OrderId = orderId, MemberId = memberId, DeliveredAt = DateTimeOffset.UtcNow });
        HttpResponseMessage? last = null;
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            last = await WithdrawAsync(member);
            return last.StatusCode == HttpStatusCode.ServiceUnavailable;
        }), "once delivered, the Ledger is asked, and it is not running here");
        Assert.Equal("/problems/ledger-unavailable", await MembershipService.ProblemTypeAsync(last!));

        // Nothing was changed on a guess, and repeated attempts stay quick (retries are bounded, then the circuit opens).
        var timer = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.ServiceUnavailable, (await WithdrawAsync(member)).StatusCode);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(20), $"five refused withdrawals took {timer.Elapsed}");
        Assert.Equal("active", (await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("status").GetString());
        Assert.DoesNotContain("MemberWithdrawn", await service.EventsAsync(memberId));
    }

    [Fact]
    [Trait("Rule", "M7")]
    public async Task Should_not_count_an_order_delivered_or_cancelled_before_its_payment_event_arrived_as_open()
    {
        await service.Host.SetClockAsync(DateTimeOffset.UtcNow);
        var email = MembershipService.NewEmail("ooo");
        var memberId = await service.RegisterAsync(email);
        using var member = await service.ClientAsync(email);
        var delivered = Guid.CreateVersion7();
        var cancelled = Guid.CreateVersion7();

        await service.PublishAsync(new OrderDelivered { OrderId = delivered, MemberId = memberId, DeliveredAt = DateTimeOffset.UtcNow });
        await service.PublishAsync(new OrderCancelled { OrderId = cancelled, MemberId = memberId, WasPaid = true, RefundUsd = 40m, At = DateTimeOffset.UtcNow });
        await Task.Delay(500, Ct);
        await service.PublishAsync(Paid(delivered, memberId));
        await service.PublishAsync(Paid(cancelled, memberId));

        // Both payments arrive after their order closed: the withdrawal goes on to ask the (absent) Ledger.
        await Task.Delay(1000, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await WithdrawAsync(member)).StatusCode);
    }

    [Fact]
    [Trait("Rule", "M7")]
    public async Task Should_require_a_reason()
    {
        var email = MembershipService.NewEmail("why");
        await service.RegisterAsync(email);
        using var member = await service.ClientAsync(email);

        var response = await member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "" }, Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "/problems/validation"), (response.StatusCode, await MembershipService.ProblemTypeAsync(response)));
    }
}
