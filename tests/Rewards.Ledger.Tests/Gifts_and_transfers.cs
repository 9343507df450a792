using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Ledger.Tests;

/// <summary>L10 gifts and L11 channel transfers, through the member API.</summary>
public sealed class Gifts_and_transfers(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);

    [Fact]
    [Trait("Rule", "L10")]
    public async Task Should_extend_a_gifted_lot_with_5_months_left_by_6_months_and_keep_one_with_7_months_left()
    {
        await _api.SetClockAsync(Start);
        var (giver, receiver) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(giver, 300, purchasedAt: Start.AddDays(-1));          // expires Start + 60 months − 1 day
        await _api.PurchasePointsAsync(receiver, 10);
        await _api.SetClockAsync(Start.AddMonths(2));
        await _api.PurchasePointsAsync(giver, 200);                                          // expires Start + 62 months

        await _api.SetClockAsync(Start.AddMonths(55));                                       // first lot: 5 months less a day left
        var gift = await _api.GiftAsync(giver, receiver, 400);

        Assert.Equal(HttpStatusCode.Created, gift.StatusCode);
        var lots = (await gift.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("lots").EnumerateArray()
            .Select(l => (Points: l.GetProperty("points").GetInt64(), ExpiresAt: l.GetProperty("expiresAt").GetDateTimeOffset())).ToList();
        Assert.Equal([(300L, Start.AddDays(-1).AddMonths(60).AddMonths(6)), (100L, Start.AddMonths(62))], lots);
        Assert.Equal(new Balance(100, 100, 0, 0), await _api.BalanceAsync(giver));
        Assert.Equal(410, (await _api.BalanceAsync(receiver)).Total);
        var received = (await _api.LotsAsync(receiver)).Where(l => l.Source == "gift").ToList();
        Assert.All(received, l => Assert.False(l.Transferable));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L5")]
    public async Task Should_report_lots_whose_dates_or_flags_do_not_follow_from_their_earning_or_their_origin()
    {
        await _api.SetClockAsync(Start);
        var (giver, receiver) = (Guid.NewGuid(), Guid.NewGuid());
        var purchase = await _api.PurchasePointsAsync(giver, 300);
        await _api.PurchasePointsAsync(receiver, 10);
        Assert.Equal(HttpStatusCode.Created, (await _api.GiftAsync(giver, receiver, 100)).StatusCode);
        var gift = (await _api.LotsAsync(receiver)).Single(l => l.Source == "gift").LotId;
        await _api.AssertVerifiedAsync();

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.ExecuteAsync(
            "update lots set expires_at = expires_at + interval '1 day' where id = @purchase; update lots set transferable = true where id = @gift",
            new { purchase, gift });
        try
        {
            var violations = await _api.ViolationsAsync();
            Assert.Contains(violations, v => v.Rule == "lot-expires-after-its-earned-date" && v.Detail.Contains(purchase.ToString(), StringComparison.Ordinal));
            Assert.Contains(violations, v => v.Rule == "lot-moved-with-its-dates" && v.Detail.StartsWith($"Lot {gift}", StringComparison.Ordinal));
            Assert.Contains(violations, v => v.Rule == "lot-moved-with-its-flags" && v.Detail.StartsWith($"Lot {gift}", StringComparison.Ordinal));
        }
        finally
        {
            await conn.ExecuteAsync(
                "update lots set expires_at = expires_at - interval '1 day' where id = @purchase; update lots set transferable = false where id = @gift",
                new { purchase, gift });
        }
        await _api.AssertVerifiedAsync();
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(Guid member, string path, object body, string key)
    {
        using var client = _api.Member(member);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static Task<string> BodyAsync(HttpResponseMessage response) => response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

    [Fact]
    [Trait("Rule", "L10")]
    public async Task Should_answer_a_repeated_gift_key_with_the_first_answer_whether_gift_or_refusal()
    {
        await _api.SetClockAsync(Start);
        var (giver, receiver) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(giver, 100);
        await _api.PurchasePointsAsync(receiver, 10);
        var (given, refused) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var gift = new { toMemberId = receiver, channel = "online", points = 100 };
        var tooMuch = new { toMemberId = receiver, channel = "online", points = 50 };

        var first = await PostWithKeyAsync(giver, "/accounts/me/gifts", gift, given);
        var repeat = await PostWithKeyAsync(giver, "/accounts/me/gifts", gift, given);
        var refusal = await PostWithKeyAsync(giver, "/accounts/me/gifts", tooMuch, refused);
        await _api.PurchasePointsAsync(giver, 50);
        var refusalAgain = await PostWithKeyAsync(giver, "/accounts/me/gifts", tooMuch, refused); // 50 could be given now

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, repeat.StatusCode));
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await BodyAsync(first), await BodyAsync(repeat));
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (refusal.StatusCode, refusalAgain.StatusCode));
        Assert.Equal("/problems/insufficient-points", await LedgerApi.ProblemTypeAsync(refusalAgain));
        Assert.Equal("true", refusalAgain.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(50, (await _api.BalanceAsync(giver)).Total);
        Assert.Equal(110, (await _api.BalanceAsync(receiver)).Total);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L11")]
    public async Task Should_move_points_once_for_a_transfer_key_sent_concurrently()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 100);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await PostWithKeyAsync(member, "/accounts/me/transfers", new { from = "online", to = "offline", points = 60 }, key);
            return (response.StatusCode, Body: await BodyAsync(response));
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(40, (await _api.BalanceAsync(member, "online")).Total);
        Assert.Equal(60, (await _api.BalanceAsync(member, "offline")).Total);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L10")]
    public async Task Should_refuse_to_regift_a_received_gift_or_gift_promotion_points()
    {
        await _api.SetClockAsync(Start);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(a, 100);
        await _api.PurchasePointsAsync(c, 10);
        await _api.PromotionPointsAsync(b, 500, Start.AddDays(90));
        Assert.Equal(HttpStatusCode.Created, (await _api.GiftAsync(a, b, 100)).StatusCode);

        var regift = await _api.GiftAsync(b, c, 100); // b holds 100 received + 500 promotion points, none giftable

        Assert.Equal(HttpStatusCode.Conflict, regift.StatusCode);
        Assert.Equal("/problems/insufficient-points", await LedgerApi.ProblemTypeAsync(regift));
        Assert.Equal(600, (await _api.BalanceAsync(b)).Total);
        Assert.Equal(10, (await _api.BalanceAsync(c)).Total);
    }

    [Theory]
    [InlineData(15, HttpStatusCode.BadRequest, "/problems/invalid-points-unit")]
    [InlineData(0, HttpStatusCode.BadRequest, "/problems/validation")]
    [InlineData(110, HttpStatusCode.Conflict, "/problems/insufficient-points")]
    [Trait("Rule", "L9")]
    public async Task Should_move_points_only_in_units_of_10_and_never_more_than_available(long points, HttpStatusCode status, string type)
    {
        await _api.SetClockAsync(Start);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(a, 100);
        await _api.PurchasePointsAsync(b, 10);

        var gift = await _api.GiftAsync(a, b, points);
        var transfer = await _api.TransferAsync(a, "online", "offline", points);

        Assert.Equal((status, type), (gift.StatusCode, await LedgerApi.ProblemTypeAsync(gift)));
        Assert.Equal((status, type), (transfer.StatusCode, await LedgerApi.ProblemTypeAsync(transfer)));
        Assert.Equal(100, (await _api.BalanceAsync(a)).Total);
    }

    [Fact]
    [Trait("Rule", "L8")]
    public async Task Should_refuse_to_gift_or_transfer_while_the_balance_is_negative()
    {
        await _api.SetClockAsync(Start);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(a, 100, channel: "offline");
        await _api.PurchasePointsAsync(b, 10, channel: "offline");
        using var ops = _api.Ops();
        (await ops.PostAsJsonAsync($"/ops/members/{a}/debits", new { channel = "offline", points = 150, reason = "Wrongly earned" },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var gift = await _api.GiftAsync(a, b, 10, "offline");
        var transfer = await _api.TransferAsync(a, "offline", "online", 10);

        Assert.Equal("/problems/negative-balance", await LedgerApi.ProblemTypeAsync(gift));
        Assert.Equal("/problems/negative-balance", await LedgerApi.ProblemTypeAsync(transfer));
        Assert.Equal(new Balance(-50, 0, 0, 0), await _api.BalanceAsync(a, "offline"));
    }

    [Fact]
    [Trait("Rule", "L11")]
    public async Task Should_move_lots_between_channels_with_their_dates_and_flags_fifo()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PromotionPointsAsync(member, 100, Start.AddDays(30));            // expires first: taken first
        await _api.PurchasePointsAsync(member, 500, purchasedAt: Start.AddDays(-10));

        var transfer = await _api.TransferAsync(member, "online", "offline", 300);

        Assert.Equal(HttpStatusCode.Created, transfer.StatusCode);
        var offline = await _api.LotsAsync(member, "offline");
        Assert.Equal(
            [("promotion", 100L, Start.AddDays(30), false), ("missed-earning", 200L, Start.AddDays(-10).AddMonths(60), true)],
            offline.Select(l => (l.Source, l.Remaining, l.ExpiresAt!.Value, l.Transferable)).ToList());
        Assert.Equal(Start.AddDays(-10), offline[1].EarnedAt);
        Assert.Equal(300, (await _api.BalanceAsync(member)).Total);
        Assert.Equal(300, (await _api.BalanceAsync(member, "offline")).Total);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L11")]
    public async Task Should_move_a_received_gift_to_the_other_channel_as_a_gift_with_its_extended_expiry()
    {
        await _api.SetClockAsync(Start);
        var (giver, receiver) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(giver, 100, purchasedAt: Start.AddDays(-1));
        await _api.PurchasePointsAsync(receiver, 10);
        await _api.SetClockAsync(Start.AddMonths(56));                                       // under 6 months left: the gift gains 6
        Assert.Equal(HttpStatusCode.Created, (await _api.GiftAsync(giver, receiver, 100)).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await _api.TransferAsync(receiver, "online", "offline", 110)).StatusCode);

        var moved = (await _api.LotsAsync(receiver, "offline")).Single(l => l.Amount == 100);
        Assert.Equal(("gift", false, Start.AddDays(-1).AddMonths(66)), (moved.Source, moved.Transferable, moved.ExpiresAt!.Value));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L10")]
    public async Task Should_refuse_a_gift_to_an_unknown_member_or_oneself()
    {
        await _api.SetClockAsync(Start);
        var a = Guid.NewGuid();
        await _api.PurchasePointsAsync(a, 100);

        var unknown = await _api.GiftAsync(a, Guid.NewGuid(), 10);
        var self = await _api.GiftAsync(a, a, 10);

        Assert.Equal((HttpStatusCode.NotFound, "/problems/member-not-found"), (unknown.StatusCode, await LedgerApi.ProblemTypeAsync(unknown)));
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/validation"), (self.StatusCode, await LedgerApi.ProblemTypeAsync(self)));
    }
}
