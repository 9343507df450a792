using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O6 through POST /orders: the totals a storefront shows, at the edges of free shipping and of EMS.</summary>
public sealed class Order_totals(OrdersService service) : IClassFixture<OrdersService>
{
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "totals@example.com"));

    [Theory]
    [Trait("Rule", "O6")]
    [InlineData(49.99, 1900, "US", "standard", 6.00, 2.99, 58.98)]
    [InlineData(50.00, 1900, "US", "standard", 0.00, 2.99, 52.99)]
    [InlineData(50.00, 1901, "US", "ems", 15.00, 2.99, 67.99)]
    [InlineData(49.99, 1901, "KR", "ems", 0.00, 0.00, 49.99)]
    public async Task Should_total_goods_shipping_and_tracking(double unitPrice, int grams, string country, string method,
        double shipping, double tracking, double due)
    {
        var response = await _member.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "POSTER-3", name = "Poster", quantity = 1, unitPrice = (decimal)unitPrice, weightGrams = grams, itemType = "normal" } },
            currency = "USD", shipping = new { country, method = "standard", address = "1 Main St" }, paymentMethod = "card", policyAccepted = true,
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var totals = body.GetProperty("totals");
        Assert.Equal(((decimal)shipping, (decimal)tracking, (decimal)due),
            (totals.GetProperty("shipping").GetDecimal(), totals.GetProperty("trackingFee").GetDecimal(), totals.GetProperty("amountDue").GetDecimal()));
        var detail = await _member.GetFromJsonAsync<JsonElement>($"/orders/{body.GetProperty("orderId").GetGuid()}", TestContext.Current.CancellationToken);
        Assert.Equal(method, detail.GetProperty("shippingMethod").GetString());
    }
}

/// <summary>The OpenAPI document shows a storefront a complete order to start from.</summary>
public sealed class Orders_openapi(OrdersService service) : IClassFixture<OrdersService>
{
    [Fact]
    [Trait("Rule", "O1")]
    public async Task Should_document_placing_an_order_with_an_example_body()
    {
        using var client = service.Host.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Contains("KPOP-ALB-7", document, StringComparison.Ordinal);
        Assert.Contains("/orders/{orderId}/cancellation", document, StringComparison.Ordinal);
    }
}
