using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O7 through POST /orders: the per-departure limit for residents of Korea, minors and alcohol, airport pick-up.</summary>
public sealed class Duty_free_orders(OrdersService service) : IClassFixture<OrdersService>
{
    private static readonly DateTimeOffset Today = new(2027, 8, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Departure = Today.AddDays(5).AddHours(5);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "traveller@example.com"));

    private Task<HttpResponseMessage> OrderAsync(string passport, decimal price, string residence = "KR", string itemType = "normal", string? birthDate = "1990-05-05") =>
        _member.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "DF-1", name = "Perfume", quantity = 1, unitPrice = price, weightGrams = 400, itemType } },
            currency = "USD", shipping = new { country = residence, method = "standard", address = "Incheon Airport T1" },
            paymentMethod = "card", policyAccepted = true,
            dutyFree = new { passportNumber = passport, departureAt = Departure, flight = "ke081", airport = "icn", residenceCountry = residence, birthDate },
        }, Ct);

    private static async Task<string?> ProblemAsync(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? null : (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString();

    [Fact]
    [Trait("Rule", "O7")]
    public async Task Should_take_the_residence_from_the_member_and_ignore_the_shipping_method_when_the_order_omits_them()
    {
        await service.Host.SetClockAsync(Today);
        object Order(string passport, decimal price) => new
        {
            lines = new[] { new { sku = "DF-2", name = "Watch", quantity = 1, unitPrice = price, weightGrams = 200, itemType = "normal" } },
            currency = "USD", shipping = new { country = "JP", method = "airport pick-up", address = "Incheon Airport T1" },
            paymentMethod = "card", policyAccepted = true,
            dutyFree = new { passportNumber = passport, departureAt = Departure, flight = "KE081", airport = "ICN" },
        };
        using var korean = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "korean@example.com", country: "KR"));
        using var visitor = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "visitor@example.com", country: "JP"));

        var resident = await korean.PostAsJsonAsync("/orders", Order($"K{Random.Shared.Next(10_000_000, 99_999_999)}", 3500.00m), Ct);
        var tourist = await visitor.PostAsJsonAsync("/orders", Order($"J{Random.Shared.Next(10_000_000, 99_999_999)}", 3500.00m), Ct);

        Assert.Equal(((HttpStatusCode)422, "/problems/duty-free-limit-exceeded"), (resident.StatusCode, await ProblemAsync(resident)));
        Assert.Equal(HttpStatusCode.Created, tourist.StatusCode);
    }

    [Fact]
    [Trait("Rule", "O7")]
    public async Task Should_let_a_resident_of_Korea_buy_3000_dollars_per_departure_and_no_more()
    {
        await service.Host.SetClockAsync(Today);
        var passport = $"M{Random.Shared.Next(10_000_000, 99_999_999)}";

        var first = await OrderAsync(passport, 2000.00m);
        var second = await OrderAsync(passport.ToLowerInvariant(), 1000.00m); // the same passport, however written
        var third = await OrderAsync(passport, 0.01m);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        Assert.Equal(((HttpStatusCode)422, "/problems/duty-free-limit-exceeded"), (third.StatusCode, await ProblemAsync(third)));
        var placed = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var totals = placed.GetProperty("totals");
        Assert.Equal((0m, 0m), (totals.GetProperty("shipping").GetDecimal(), totals.GetProperty("trackingFee").GetDecimal()));

        // Collected at the airport: picked up, never shipped.
        var orderId = placed.GetProperty("orderId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(placed.GetProperty("paymentId").GetGuid(), orderId, 2000.00m)).StatusCode);
        using var ops = service.Host.ClientWithToken(TestTokens.Ops());
        (await ops.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsJsonAsync($"/ops/orders/{orderId}/ship", new { trackingNumber = "X" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsJsonAsync($"/ops/orders/{orderId}/pick-up", new { }, Ct)).StatusCode);

        // A visitor has no such limit; and the passport number itself is nowhere in the database.
        Assert.Equal(HttpStatusCode.Created, (await OrderAsync($"X{passport}", 5000.00m, residence: "JP")).StatusCode);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from orders o where o::text ilike '%' || @passport || '%'", new { passport }));
    }

    [Theory]
    [Trait("Rule", "O7")]
    [InlineData("2008-08-06", HttpStatusCode.Created)]     // 19 on the departure day
    [InlineData("2008-08-07", (HttpStatusCode)422)]        // one day short
    [InlineData(null, (HttpStatusCode)422)]
    public async Task Should_sell_alcohol_only_to_buyers_of_19_or_older_on_departure(string? birthDate, HttpStatusCode expected)
    {
        await service.Host.SetClockAsync(Today);

        var response = await OrderAsync($"A{Random.Shared.Next(10_000_000, 99_999_999)}", 80.00m, residence: "JP", itemType: "alcohol", birthDate: birthDate);

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.Created) Assert.Equal("/problems/age-restricted-item", await ProblemAsync(response));
    }
}
