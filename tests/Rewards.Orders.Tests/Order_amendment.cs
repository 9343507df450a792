using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O3 with O6 and L7: changed lines or shipping recompute the totals; a paid order that costs less is refunded the difference.</summary>
public sealed class Order_amendment(OrdersService service) : IClassFixture<OrdersService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "amend@example.com"));

    private static object[] Albums(int quantity) => [new { sku = "ALB-1", name = "Album", quantity, unitPrice = 20.00m, weightGrams = 300 }];

    private static object Order(string country, int albums) => new
    {
        lines = Albums(albums), currency = "USD", shipping = new { country, method = "standard", address = "1 Main St" }, paymentMethod = "card", policyAccepted = true,
    };

    private async Task<JsonElement> AmendAsync(Guid orderId, object change, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await _member.PatchAsJsonAsync($"/orders/{orderId}", change, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(expected == response.StatusCode, body.ToString());
        return body;
    }

    [Fact]
    [Trait("Rule", "O3")]
    [Trait("Rule", "O6")]
    public async Task Should_recompute_goods_shipping_and_the_amount_to_pay_of_an_unpaid_order()
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, Order("US", albums: 2)); // 40.00 + 6.00 shipping + 2.99 tracking

        var more = await AmendAsync(orderId, new { lines = Albums(3) }); // 60.00: over 49.99, shipping is free
        Assert.Equal((60.00m, 0m, 2.99m, 62.99m), Totals(more));
        var ems = await AmendAsync(orderId, new { shipping = new { method = "ems" } });
        Assert.Equal((60.00m, 15.00m, 2.99m, 77.99m), Totals(ems));
        var home = await AmendAsync(orderId, new { shipping = new { country = "KR", method = "standard", address = "Seoul" } });
        Assert.Equal((60.00m, 0m, 0m, 60.00m), Totals(home));
        Assert.Equal(0m, home.GetProperty("refundAmount").GetDecimal());

        Assert.Equal(HttpStatusCode.BadRequest, (await service.CallbackAsync(paymentId, orderId, 48.99m)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, 60.00m)).StatusCode);
        var detail = await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct);
        Assert.Equal((60.00m, 60.00m, "standard"), (detail.GetProperty("goods").GetDecimal(), detail.GetProperty("amountDue").GetDecimal(),
            detail.GetProperty("shippingMethod").GetString()));
    }

    [Fact]
    [Trait("Rule", "O3")]
    [Trait("Rule", "L7")]
    public async Task Should_refund_the_difference_of_a_paid_order_that_costs_less_and_refuse_one_that_costs_more()
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, Order("KR", albums: 2));
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, 40.00m)).StatusCode);

        var fewer = await AmendAsync(orderId, new { lines = Albums(1) });
        Assert.Equal(20.00m, fewer.GetProperty("refundAmount").GetDecimal());
        Assert.Equal("processing", fewer.GetProperty("status").GetString());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(20.00m, await conn.ExecuteScalarAsync<decimal>(
            "select (body->>'refundUsd')::numeric from outbox_messages where message_type like '%.OrderRefunded' and body->>'orderId' = @id",
            new { id = orderId.ToString() }));

        var more = await AmendAsync(orderId, new { lines = Albums(2) }, (HttpStatusCode)422);
        Assert.Equal("/problems/amendment-raises-amount-due", more.GetProperty("type").GetString());
        var cancelled = await _member.PostAsJsonAsync($"/orders/{orderId}/cancellation", new { reason = "changed my mind" }, Ct);
        Assert.Equal(20.00m, (await cancelled.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refundAmount").GetDecimal()); // not 40 again
    }

    [Fact]
    [Trait("Rule", "O3")]
    public async Task Should_refuse_bad_lines_with_field_errors()
    {
        var (orderId, _) = await OrdersService.PlaceAsync(_member, Order("KR", albums: 1));
        var bad = await AmendAsync(orderId, new { lines = new[] { new { sku = "", name = "x", quantity = 0, unitPrice = -1m } } }, HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        Assert.True(errors.TryGetProperty("lines[0].quantity", out _));
        Assert.True(errors.TryGetProperty("lines[0].unitPrice", out _));
        Assert.True(errors.TryGetProperty("lines[0].sku", out _));
    }

    private static (decimal Goods, decimal Shipping, decimal Tracking, decimal AmountDue) Totals(JsonElement result)
    {
        var t = result.GetProperty("totals");
        return (t.GetProperty("goods").GetDecimal(), t.GetProperty("shipping").GetDecimal(), t.GetProperty("trackingFee").GetDecimal(), t.GetProperty("amountDue").GetDecimal());
    }
}
