using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O8/L9 when the Ledger does not answer, and the expiry of unpaid orders.</summary>
public sealed class Checkout_without_a_Ledger(OrdersService service) : IClassFixture<OrdersService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "points@example.com"));

    private static object Order(object? points) => new
    {
        lines = new[] { new { sku = "ALB-2", name = "Album", quantity = 1, unitPrice = 20.00m, weightGrams = 300 } },
        currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card",
        policyAccepted = true, points,
    };

    private async Task<long> OrderCountAsync()
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<long>("select count(*) from orders");
    }

    [Fact]
    [Trait("Rule", "O8")]
    [Trait("Rule", "L9")]
    public async Task Should_answer_503_and_order_nothing_when_the_Ledger_does_not_answer_a_points_hold()
    {
        var before = await OrderCountAsync();

        var response = await _member.PostAsJsonAsync("/orders", Order(new { channel = "online", points = 500 }), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("/problems/ledger-unavailable", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
        Assert.Equal(before, await OrderCountAsync());
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_refuse_points_for_guests_and_points_worth_more_than_the_goods()
    {
        using var anonymous = service.Host.CreateClient();
        var guest = await anonymous.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "ALB-2", name = "Album", quantity = 1, unitPrice = 20.00m, weightGrams = 300 } },
            currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card",
            policyAccepted = true, guest = new { email = "g@example.com", name = "Guest" }, points = new { channel = "online", points = 500 },
        }, Ct);
        var tooMany = await _member.PostAsJsonAsync("/orders", Order(new { channel = "online", points = 20_010 }), Ct);

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (guest.StatusCode, tooMany.StatusCode));
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_expire_an_order_not_paid_within_20_minutes()
    {
        var placedAt = new DateTimeOffset(2027, 7, 1, 9, 0, 0, TimeSpan.Zero);
        await service.Host.SetClockAsync(placedAt);
        var (orderId, _) = await OrdersService.PlaceAsync(_member, Order(null));
        using var ops = service.Host.ClientWithToken(TestTokens.Ops());

        await service.Host.SetClockAsync(placedAt.AddMinutes(19));
        Assert.Equal("expired 0 unpaid orders", await RunAsync(ops));
        await service.Host.SetClockAsync(placedAt.AddMinutes(20).AddSeconds(5));
        Assert.Equal("expired 1 unpaid orders", await RunAsync(ops));
        Assert.Equal("expired 0 unpaid orders", await RunAsync(ops));

        Assert.Equal("cancelled", (await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct)).GetProperty("status").GetString());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            "select count(*) from outbox_messages where message_type like '%OrderCancelled' and body->>'orderId' = @id and (body->>'wasPaid')::boolean = false",
            new { id = orderId.ToString() }));
    }

    private static async Task<string> RunAsync(HttpClient ops) =>
        (await (await ops.PostAsync("/ops/jobs/payment-timeouts/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("result").GetString()!;
}
