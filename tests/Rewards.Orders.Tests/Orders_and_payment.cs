using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Orders;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>Placing orders (O1), the signed payment callback (O8) and fulfilment steps (O2) through HTTP.</summary>
public sealed class Orders_and_payment(OrdersService service) : IClassFixture<OrdersService>
{
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "member@example.com"));

    private static object Order(int quantity, decimal unitPrice = 10.00m, object? guest = null) => new
    {
        lines = new[] { new { sku = "ALBUM-1", name = "Album", quantity, unitPrice, weightGrams = 100 } },
        currency = "USD",
        shipping = new { country = "KR", method = "standard", address = "1 Sejong-daero, Seoul" }, // no shipping costs (O6)
        paymentMethod = "card",
        policyAccepted = true,
        guest,
    };

    private static Task<(Guid OrderId, Guid PaymentId)> PlaceAsync(HttpClient client, object order) => OrdersService.PlaceAsync(client, order);

    private Task<HttpResponseMessage> CallbackAsync(Guid paymentId, Guid orderId, decimal amount, string? secret = ServiceHost<ProgramPolicy>.PaymentSecret) =>
        service.CallbackAsync(paymentId, orderId, amount, secret);

    private async Task<(string Status, long PaidEvents)> StateAsync(Guid orderId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var status = await conn.ExecuteScalarAsync<string>("select status from orders where id = @orderId", new { orderId });
        var events = await conn.ExecuteScalarAsync<long>(
            "select count(*) from outbox_messages where message_type = 'Rewards.Contracts.Orders.OrderPaid' and body->>'orderId' = @id",
            new { id = orderId.ToString() });
        return (status!, events);
    }

    [Theory]
    [InlineData(300, HttpStatusCode.Created)]
    [InlineData(301, (HttpStatusCode)422)]
    [Trait("Rule", "O1")]
    public async Task Should_send_orders_of_more_than_300_items_to_the_help_desk(int quantity, HttpStatusCode expected)
    {
        var response = await _member.PostAsJsonAsync("/orders", Order(quantity), TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.Created)
            Assert.Equal("/problems/group-order-use-help-desk",
                (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
    }

    [Fact]
    [Trait("Rule", "O1")]
    public async Task Should_require_a_guest_to_give_an_email_and_refuse_unknown_fields()
    {
        using var anonymous = service.Host.CreateClient();
        var noGuest = await anonymous.PostAsJsonAsync("/orders", Order(1), TestContext.Current.CancellationToken);
        var unknown = await _member.PostAsJsonAsync("/orders", new { lines = Array.Empty<object>(), currency = "USD", coupon = "FREE" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, noGuest.StatusCode);
        Assert.True((await noGuest.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("errors").TryGetProperty("guest", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("/problems/validation", (await unknown.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        await PlaceAsync(anonymous, Order(1, guest: new { email = "guest@example.com", name = "Guest" }));
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_pay_once_when_the_provider_calls_back_twice()
    {
        var (orderId, paymentId) = await PlaceAsync(_member, Order(2, 24.99m));

        var first = await CallbackAsync(paymentId, orderId, 49.98m);
        var second = await CallbackAsync(paymentId, orderId, 49.98m);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(("processing", 1L), await StateAsync(orderId));
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_refuse_an_unsigned_or_wrongly_signed_or_wrong_amount_callback_and_change_nothing()
    {
        var (orderId, paymentId) = await PlaceAsync(_member, Order(1, 30.00m));

        var unsigned = await CallbackAsync(paymentId, orderId, 30.00m, secret: null);
        var forged = await CallbackAsync(paymentId, orderId, 30.00m, secret: "not-the-provider-secret");
        var wrongAmount = await CallbackAsync(paymentId, orderId, 3.00m);

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("/problems/invalid-signature", (await forged.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wrongAmount.StatusCode);
        Assert.Equal("/problems/payment-amount-mismatch", (await wrongAmount.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        Assert.Equal(("pending-payment", 0L), await StateAsync(orderId));
    }

    [Fact]
    [Trait("Rule", "O2")]
    public async Task Should_move_an_order_only_along_its_statuses_and_only_for_ops()
    {
        var (orderId, paymentId) = await PlaceAsync(_member, Order(1));
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync(paymentId, orderId, 10.00m)).StatusCode);
        using var ops = service.Host.ClientWithToken(TestTokens.Ops());

        var asMember = await _member.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, TestContext.Current.CancellationToken);
        var tooEarly = await ops.PostAsJsonAsync($"/ops/orders/{orderId}/deliver", new { }, TestContext.Current.CancellationToken);
        var prepared = await ops.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, TestContext.Current.CancellationToken);
        var shipWithoutTracking = await ops.PostAsJsonAsync($"/ops/orders/{orderId}/ship", new { }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, asMember.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, tooEarly.StatusCode);
        Assert.Equal("/problems/invalid-transition", (await tooEarly.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, shipWithoutTracking.StatusCode);

        var detail = await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", TestContext.Current.CancellationToken);
        Assert.Equal("prepared", detail.GetProperty("status").GetString());
        Assert.Equal(["pending-payment", "processing", "prepared"],
            detail.GetProperty("statusHistory").EnumerateArray().Select(h => h.GetProperty("status").GetString()!).ToArray());
    }
}
