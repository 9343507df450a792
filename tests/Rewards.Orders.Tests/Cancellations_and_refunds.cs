using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>O4/O5 through HTTP: cancellation windows and fees, defect refunds, the untraceable parcel, and their events.</summary>
public sealed class Cancellations_and_refunds(OrdersService service) : IClassFixture<OrdersService>
{
    private static readonly DateTimeOffset Paid = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "buyer@example.com"));
    private readonly HttpClient _ops = service.Host.ClientWithToken(TestTokens.Ops());

    /// <summary>A paid KR order (no shipping costs) of <paramref name="quantity"/> albums at 20.00, paid at <see cref="Paid"/>.</summary>
    private async Task<Guid> PaidOrderAsync(int quantity = 2, object? line = null)
    {
        await service.Host.SetClockAsync(Paid);
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, new
        {
            lines = new[] { line ?? new { sku = "ALB-1", name = "Album", quantity, unitPrice = 20.00m, weightGrams = 300, itemType = "normal", broadcastAt = (DateTimeOffset?)null } },
            currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card", policyAccepted = true,
        });
        var due = (await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct)).GetProperty("amountDue").GetDecimal();
        Assert.Equal(HttpStatusCode.OK, (await service.CallbackAsync(paymentId, orderId, due)).StatusCode);
        return orderId;
    }

    private async Task StepAsync(Guid orderId, string action) =>
        (await _ops.PostAsJsonAsync($"/ops/orders/{orderId}/{action}", new { trackingNumber = "EE1KR" }, Ct)).EnsureSuccessStatusCode();

    private static async Task<(HttpStatusCode, string?, JsonElement)> ResultAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (response.StatusCode, body.TryGetProperty("type", out var type) ? type.GetString() : null, body);
    }

    /// <summary>The order's cancellation and refund events, with their amounts.</summary>
    private async Task<List<(string Type, decimal RefundUsd)>> EventsAsync(Guid orderId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return [.. (await conn.QueryAsync<(string, decimal)>(
            """
            select substring(message_type from '[^.]+$'), coalesce((body->>'refundUsd')::numeric, 0) from outbox_messages
            where body->>'orderId' = @id and (message_type like '%OrderCancelled' or message_type like '%OrderRefunded') order by seq
            """, new { id = orderId.ToString() }))];
    }

    [Theory]
    [Trait("Rule", "O4")]
    [InlineData(23 * 60 + 59, HttpStatusCode.OK, null)]
    [InlineData(24 * 60 + 1, HttpStatusCode.Conflict, "/problems/cancellation-window-closed")]
    public async Task Should_cancel_a_processing_order_within_24_hours_of_payment(int minutesAfter, HttpStatusCode expected, string? type)
    {
        var orderId = await PaidOrderAsync();
        await service.Host.SetClockAsync(Paid.AddMinutes(minutesAfter));

        var (status, problem, body) = await ResultAsync(await _member.PostAsync($"/orders/{orderId}/cancellation", null, Ct));

        Assert.Equal((expected, type), (status, problem));
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(40.00m, body.GetProperty("refundUsd").GetDecimal());
            Assert.Equal((40.00m, 0m), (body.GetProperty("refundAmount").GetDecimal(), body.GetProperty("fee").GetDecimal()));
            Assert.Equal([("OrderCancelled", 40.00m)], await EventsAsync(orderId));
            Assert.Equal("cancelled", (await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct)).GetProperty("status").GetString());
        }
        else Assert.Empty(await EventsAsync(orderId));
    }

    [Theory]
    [Trait("Rule", "O4")]
    [InlineData(31, HttpStatusCode.OK)]
    [InlineData(29, HttpStatusCode.Conflict)]
    public async Task Should_cancel_a_meet_and_greet_item_until_30_minutes_before_the_broadcast(int minutesBefore, HttpStatusCode expected)
    {
        var broadcast = Paid.AddDays(2);
        var orderId = await PaidOrderAsync(line: new { sku = "MG-1", name = "Signed album", quantity = 1, unitPrice = 30.00m, weightGrams = 300, itemType = "meet-and-greet", broadcastAt = (DateTimeOffset?)broadcast });
        await service.Host.SetClockAsync(broadcast.AddMinutes(-minutesBefore));

        Assert.Equal(expected, (await _member.PostAsync($"/orders/{orderId}/cancellation", null, Ct)).StatusCode);
    }

    [Fact]
    [Trait("Rule", "O4")]
    public async Task Should_keep_3_dollars_per_item_of_a_prepared_order_and_refuse_once_shipped()
    {
        var prepared = await PaidOrderAsync(quantity: 3);
        await StepAsync(prepared, "prepare");
        await service.Host.SetClockAsync(Paid.AddDays(3)); // the 24 h are long over; the fee applies instead

        var (status, _, body) = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{prepared}/cancellation", new { reason = "The size is wrong" }, Ct));
        Assert.Equal((HttpStatusCode.OK, 9.00m, 51.00m), (status, body.GetProperty("feeUsd").GetDecimal(), body.GetProperty("refundUsd").GetDecimal()));
        var history = (await _member.GetFromJsonAsync<JsonElement>($"/orders/{prepared}", Ct)).GetProperty("statusHistory").EnumerateArray().Last();
        Assert.Equal(("cancelled", "The size is wrong"), (history.GetProperty("status").GetString(), history.GetProperty("reason").GetString()));
        Assert.Equal([("OrderCancelled", 51.00m)], await EventsAsync(prepared));

        var shipped = await PaidOrderAsync();
        await StepAsync(shipped, "prepare");
        await StepAsync(shipped, "ship");
        var refused = await ResultAsync(await _member.PostAsync($"/orders/{shipped}/cancellation", null, Ct));
        Assert.Equal((HttpStatusCode.Conflict, "/problems/order-not-cancellable"), (refused.Item1, refused.Item2));
    }

    [Theory]
    [Trait("Rule", "O5")]
    [InlineData(3, HttpStatusCode.Created, null)]
    [InlineData(4, HttpStatusCode.Conflict, "/problems/defect-claim-too-late")]
    public async Task Should_refund_defects_reported_with_a_photo_within_3_days_of_delivery(int day, HttpStatusCode expected, string? type)
    {
        var orderId = await PaidOrderAsync();
        foreach (var step in new[] { "prepare", "ship", "deliver" }) await StepAsync(orderId, step);
        var deliveredAt = (await _member.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", Ct)).GetProperty("deliveredAt").GetDateTimeOffset();
        await service.Host.SetClockAsync(deliveredAt.AddDays(day - 1).AddHours(23)); // during day 3, or during day 4

        var (status, problem, body) = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds", new
        {
            items = new[]
            {
                new { sku = "ALB-1", defect = "missing-photocard", photoReference = "photos/box-123.jpg" },
                new { sku = "ALB-1", defect = "missing-poster", photoReference = "photos/box-124.jpg" },
            },
        }, Ct));

        Assert.Equal((expected, type), (status, problem));
        if (expected == HttpStatusCode.Created)
        {
            Assert.Equal(6.00m, body.GetProperty("refundAmount").GetDecimal());
            Assert.Equal([("OrderRefunded", 6.00m)], await EventsAsync(orderId));
            var refund = Assert.Single((await _ops.GetFromJsonAsync<JsonElement>($"/ops/orders/{orderId}", Ct)).GetProperty("refunds").EnumerateArray());
            Assert.Equal(("defect", 6.00m), (refund.GetProperty("kind").GetString(), refund.GetProperty("amountUsd").GetDecimal()));
        }
    }

    [Fact]
    [Trait("Rule", "O5")]
    public async Task Should_let_ops_vary_a_defect_amount_by_2_dollars_and_refuse_without_a_photo()
    {
        var orderId = await PaidOrderAsync();
        foreach (var step in new[] { "prepare", "ship", "deliver" }) await StepAsync(orderId, step);

        var noPhoto = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds",
            new { items = new[] { new { sku = "ALB-1", defect = "damaged", photoReference = "" } } }, Ct));
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/photo-required"), (noPhoto.Item1, noPhoto.Item2));
        var notALine = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds",
            new { items = new[] { new { sku = "NOT-BOUGHT", defect = "damaged", photoReference = "photos/torn.jpg" } } }, Ct));
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/validation"), (notALine.Item1, notALine.Item2));
        Assert.Contains("NOT-BOUGHT", notALine.Item3.GetProperty("errors").GetProperty("items")[0].GetString(), StringComparison.Ordinal);
        var nothing = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds", new { }, Ct));
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/validation"), (nothing.Item1, nothing.Item2));

        // The endpoint's first shape (one photo, a list of defects, "missing-photo-card") is still understood.
        var firstShape = await ResultAsync(await _member.PostAsJsonAsync($"/orders/{orderId}/defect-refunds",
            new { photoReference = "photos/box.jpg", defects = new[] { "missing-photo-card" } }, Ct));
        Assert.Equal((HttpStatusCode.Created, 2.00m, 2.00m),
            (firstShape.Item1, firstShape.Item3.GetProperty("refundUsd").GetDecimal(), firstShape.Item3.GetProperty("refundAmount").GetDecimal()));

        var varied = await ResultAsync(await _ops.PostAsJsonAsync($"/ops/orders/{orderId}/defect-refunds",
            new { photoReference = "photos/torn.jpg", defects = new[] { new { defect = "damaged", adjustmentUsd = 2.00m } } }, Ct));
        Assert.Equal((HttpStatusCode.OK, 5.00m), (varied.Item1, varied.Item3.GetProperty("refundUsd").GetDecimal()));
        var tooMuch = await ResultAsync(await _ops.PostAsJsonAsync($"/ops/orders/{orderId}/defect-refunds",
            new { photoReference = "photos/torn.jpg", defects = new[] { new { defect = "damaged", adjustmentUsd = 2.50m } } }, Ct));
        Assert.Equal((HttpStatusCode.Conflict, "/problems/defect-adjustment-too-large"), (tooMuch.Item1, tooMuch.Item2));
    }

    [Fact]
    [Trait("Rule", "O4")]
    public async Task Should_refund_an_untraceable_parcel_only_3_months_after_shipping()
    {
        var orderId = await PaidOrderAsync();
        await StepAsync(orderId, "prepare");
        await StepAsync(orderId, "ship");

        await service.Host.SetClockAsync(Paid.AddMonths(3).AddDays(-1));
        var early = await ResultAsync(await _ops.PostAsync($"/ops/orders/{orderId}/lost-parcel-refund", null, Ct));
        Assert.Equal((HttpStatusCode.Conflict, "/problems/parcel-still-traceable"), (early.Item1, early.Item2));

        await service.Host.SetClockAsync(Paid.AddMonths(3).AddMinutes(1));
        var refunded = await ResultAsync(await _ops.PostAsync($"/ops/orders/{orderId}/lost-parcel-refund", null, Ct));
        Assert.Equal((HttpStatusCode.OK, "refunded", 40.00m),
            (refunded.Item1, refunded.Item3.GetProperty("status").GetString(), refunded.Item3.GetProperty("refundUsd").GetDecimal()));
        Assert.Equal([("OrderRefunded", 40.00m)], await EventsAsync(orderId));
        Assert.Equal(HttpStatusCode.Forbidden, (await _member.PostAsync($"/ops/orders/{orderId}/untraceable-refund", null, Ct)).StatusCode);
    }
}
