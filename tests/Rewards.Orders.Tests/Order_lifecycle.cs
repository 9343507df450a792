using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O2/O3 through HTTP: every status change is an event, amendments only while processing, and who sees which order.</summary>
public sealed class Order_lifecycle(OrdersService service) : IClassFixture<OrdersService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "life@example.com"));
    private readonly HttpClient _ops = service.Host.ClientWithToken(TestTokens.Ops());

    private static object Order(object? guest = null) => new
    {
        lines = new[] { new { sku = "LS-1", name = "Light stick", quantity = 1, unitPrice = 35.00m, weightGrams = 250 } },
        currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card",
        policyAccepted = true, guest,
    };

    private async Task<Guid> PaidAsync()
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, Order());
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, 35.00m)).StatusCode);
        return orderId;
    }

    [Fact]
    [Trait("Rule", "O2")]
    public async Task Should_announce_every_status_change_and_keep_the_history()
    {
        var orderId = await PaidAsync();
        foreach (var step in new[] { "prepare", "ship", "deliver" })
            (await _ops.PostAsJsonAsync($"/ops/orders/{orderId}/{step}", new { trackingNumber = "RR123KR" }, Ct)).EnsureSuccessStatusCode();

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var events = (await conn.QueryAsync<string>(
            "select substring(message_type from '[^.]+$') from outbox_messages where body->>'orderId' = @id order by seq",
            new { id = orderId.ToString() })).ToList();
        Assert.Equal(["OrderPlaced", "OrderPaid", "OrderPrepared", "OrderShipped", "OrderDelivered"], events);
        var detail = await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct);
        Assert.Equal(["pending-payment", "processing", "prepared", "complete", "delivered"],
            detail.GetProperty("statusHistory").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
    }

    [Theory]
    [Trait("Rule", "O8")]
    [Trait("Rule", "L3")]
    [InlineData("card", 35.00)]
    [InlineData("paypal", 35.00)]
    [InlineData("gift-certificate", 0.00)] // a gift certificate is not money paid: it earns nothing
    public async Task Should_report_the_amount_paid_with_money_for_earning(string method, double earnsOn)
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, new
        {
            lines = new[] { new { sku = "LS-1", name = "Light stick", quantity = 1, unitPrice = 35.00m, weightGrams = 250 } },
            currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = method, policyAccepted = true,
        });
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, 35.00m)).StatusCode);

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal((decimal)earnsOn, await conn.ExecuteScalarAsync<decimal>(
            "select (body->>'amountPaidUsd')::numeric from outbox_messages where message_type like '%OrderPaid' and body->>'orderId' = @id",
            new { id = orderId.ToString() }));
    }

    [Fact]
    [Trait("Rule", "M11")]
    public async Task Should_stamp_the_members_grade_multiplier_on_the_paid_order_and_its_refunds()
    {
        var memberId = Guid.NewGuid();
        using var gold = service.Host.ClientWithToken(TestTokens.Member(memberId, "gold@example.com"));
        await service.PublishAsync(new Rewards.Contracts.Membership.MemberTierChanged
        {
            MemberId = memberId, Tier = "gold", PreviousTier = "silver", EarnMultiplier = 2.0m, SpendLast12MonthsUsd = 2500m, At = DateTimeOffset.UtcNow,
        });
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>(
            "select count(*) from member_tiers where member_id = @memberId", new { memberId }) == 1));

        var (orderId, paymentId) = await OrdersService.PlaceAsync(gold, Order());
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, 35.00m)).StatusCode);

        Assert.Equal(2.0m, await conn.ExecuteScalarAsync<decimal>(
            "select (body->>'earnMultiplier')::numeric from outbox_messages where message_type like '%OrderPaid' and body->>'orderId' = @id",
            new { id = orderId.ToString() }));
    }

    [Fact]
    [Trait("Rule", "O3")]
    public async Task Should_change_the_order_only_while_it_is_processing()
    {
        var orderId = await PaidAsync();

        var amended = await _member.PatchAsJsonAsync($"/orders/{orderId}", new { shipping = new { address = "Busan, Haeundae-gu 1" } }, Ct);
        var firstShape = await _member.PatchAsJsonAsync($"/orders/{orderId}", new { shippingAddress = "Busan, Haeundae-gu 2" }, Ct);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (amended.StatusCode, firstShape.StatusCode));
        (await _ops.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, Ct)).EnsureSuccessStatusCode();
        var late = await _member.PatchAsJsonAsync($"/orders/{orderId}", new { shippingAddress = "Daegu" }, Ct);

        Assert.Equal(HttpStatusCode.OK, amended.StatusCode);
        Assert.Equal((HttpStatusCode.Conflict, "/problems/order-not-amendable"),
            (late.StatusCode, (await late.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()));
    }

    [Fact]
    [Trait("Rule", "O1")]
    public async Task Should_show_members_their_own_orders_and_guests_theirs_by_number_and_e_mail()
    {
        var mine = await PaidAsync();
        using var other = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "other@example.com"));
        using var anonymous = service.Host.CreateClient();
        var guestOrder = await (await anonymous.PostAsJsonAsync("/orders", Order(new { email = "Guest.Buyer@example.com", name = "Guest" }), Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        var number = guestOrder.GetProperty("orderNumber").GetString();

        var list = await _member.GetFromJsonAsync<JsonElement>("/orders", Ct);
        Assert.Contains(list.EnumerateArray(), o => o.GetProperty("orderId").GetGuid() == mine);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/orders/{mine}", Ct)).StatusCode);
        Assert.Equal(0, (await other.GetFromJsonAsync<JsonElement>("/orders", Ct)).GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/orders/{number}?email=guest.buyer@example.com", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/orders/{number}?email=someone@example.com", Ct)).StatusCode);
    }
}
