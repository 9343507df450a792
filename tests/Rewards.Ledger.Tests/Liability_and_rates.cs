using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>The ops views over the whole ledger: liability roll-forward (L1), campaigns (L19) and exchange rates (L3).</summary>
public sealed class Liability_and_rates(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2028, 1, 10, 8, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> LiabilityAsync(DateTimeOffset from, DateTimeOffset to)
    {
        using var ops = _api.Ops();
        return await ops.GetFromJsonAsync<JsonElement>($"/ops/liability?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", Ct);
    }

    private async Task<HttpResponseMessage> PromoteAsync(object body, string idempotencyKey)
    {
        using var ops = _api.Ops();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ops/promotions") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await ops.SendAsync(request, Ct);
    }

    [Fact]
    [Trait("Rule", "L1")]
    public async Task Should_roll_the_liability_forward_from_opening_to_closing_over_every_kind_of_movement()
    {
        await _api.SetClockAsync(Start);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(a, 2000);
        await _api.PurchasePointsAsync(b, 500, purchasedAt: Start.AddDays(-364));
        var from = Start.AddDays(1);
        await _api.SetClockAsync(from);
        await _api.PromotionPointsAsync(Guid.NewGuid(), 300, from.AddDays(10));
        var holdId = Guid.NewGuid();
        Assert.IsType<PointsHeld>(await _api.HoldAsync(holdId, a, 1000));
        await _api.PublishAsync(new CommitPointsHold { HoldId = holdId });
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(a)).Total == 1000, LedgerApi.Wait));
        using (var ops = _api.Ops())
        {
            (await ops.PostAsJsonAsync($"/ops/members/{b}/debits", new { channel = "online", points = 100, reason = "Wrong earning" }, Ct)).EnsureSuccessStatusCode();
        }
        await _api.SetClockAsync(from.AddDays(20)); // the promotion has expired
        await _api.RunJobAsync("expiry");
        var to = from.AddDays(21);

        var report = await LiabilityAsync(from, to);
        long F(string name) => report.GetProperty(name).GetInt64();

        Assert.Equal(300, F("earned"));
        Assert.Equal(100, F("clawedBack"));
        Assert.Equal(1000, F("redeemed"));
        Assert.Equal(300, F("expired"));
        Assert.Equal(F("opening") + F("earned") + F("paidOff") - F("clawedBack") - F("redeemed") - F("expired") - F("forfeited"), F("closing"));
        Assert.True(F("opening") >= 2500);
        Assert.Equal(F("closing") * 0.001m, report.GetProperty("outstandingUsd").GetDecimal());
    }

    [Fact]
    [Trait("Rule", "L1")]
    public async Task Should_report_the_same_from_summed_months_and_sum_a_month_again_when_a_late_posting_reopens_it()
    {
        var march = new DateTimeOffset(2031, 3, 10, 8, 0, 0, TimeSpan.Zero);
        await _api.SetClockAsync(march);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);
        await _api.SetClockAsync(march.AddMonths(1));
        await _api.PromotionPointsAsync(member, 200, march.AddMonths(1).AddDays(5));
        await _api.SetClockAsync(march.AddMonths(2)); // May: the promotion expired in April
        await _api.RunJobAsync("expiry");
        var (april, may) = (new DateTimeOffset(2031, 4, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var fromPostings = await LiabilityAsync(april, may);

        await _api.RunJobAsync("liability-months");
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        const string aprilSummed = "select count(*) from liability_months where month = '2031-04-01'";
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(aprilSummed));
        Assert.Equal(fromPostings.ToString(), (await LiabilityAsync(april, may)).ToString());
        Assert.Equal((await LiabilityAsync(march, may.AddDays(3))).GetProperty("closing").GetInt64(),
            (await LiabilityAsync(may, may.AddDays(3))).GetProperty("opening").GetInt64());

        // A posting dated into April after April was summed: the month is summed again, and the report counts it.
        await conn.ExecuteAsync(
            """
            insert into postings (transaction_id, account_id, kind, amount, effective_at, reference, idempotency_key, caused_by)
            values (@transaction, @issuance, 'test', -7, '2031-04-20Z', 'test', 'test', 'test'), (@transaction, @breakage, 'test', 7, '2031-04-20Z', 'test', 'test', 'test')
            """, new { transaction = Guid.NewGuid(), issuance = Data.SystemAccounts.Issuance, breakage = Data.SystemAccounts.Breakage });
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(aprilSummed));
        var late = await LiabilityAsync(april, may);
        Assert.Equal(fromPostings.GetProperty("earned").GetInt64() + 7, late.GetProperty("earned").GetInt64());
        Assert.Equal(fromPostings.GetProperty("expired").GetInt64() + 7, late.GetProperty("expired").GetInt64());
        await _api.RunJobAsync("liability-months");
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(aprilSummed));
        Assert.Equal(late.ToString(), (await LiabilityAsync(april, may)).ToString());
    }

    [Fact]
    [Trait("Rule", "L19")]
    public async Task Should_grant_a_campaign_to_a_list_of_members_once_per_idempotency_key()
    {
        await _api.SetClockAsync(Start);
        var members = Enumerable.Range(0, 25).Select(_ => Guid.NewGuid()).ToArray();
        var body = new { name = "New year campaign", points = 250, expiresAt = Start.AddDays(60), memberIds = members };
        var key = Guid.NewGuid().ToString();

        async Task<JsonElement> GrantAsync()
        {
            var response = await PromoteAsync(body, key);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        }

        var first = await GrantAsync();
        await GrantAsync();

        Assert.Equal(25, first.GetProperty("granted").GetInt32());
        foreach (var member in members.Take(3))
        {
            var lot = Assert.Single(await _api.LotsAsync(member));
            Assert.Equal(("promotion", 250L, false, Start.AddDays(60)), (lot.Source, lot.Remaining, lot.Transferable, lot.ExpiresAt!.Value));
        }
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L19")]
    public async Task Should_run_a_campaign_again_when_its_key_has_no_answer_and_grant_nothing_twice()
    {
        await _api.SetClockAsync(Start);
        var members = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var body = new { name = "Crashed campaign", points = 100, expiresAt = Start.AddDays(60), memberIds = members };
        var key = Guid.NewGuid().ToString();

        Task<HttpResponseMessage> GrantAsync() => PromoteAsync(body, key);

        Assert.Equal(HttpStatusCode.Created, (await GrantAsync()).StatusCode);
        await using (var conn = new NpgsqlConnection(service.Host.ConnectionString))
        {
            // As if the service had stopped after granting and before committing the answer: the claim and the answer
            // commit together, so there is then no record of the key at all.
            Assert.Equal(1, await conn.ExecuteAsync("delete from idempotency_keys where key = @key", new { key }));
        }
        var again = await GrantAsync();
        var replayed = await GrantAsync();

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
        var answer = await again.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((0, 5), (answer.GetProperty("granted").GetInt32(), answer.GetProperty("alreadyGranted").GetInt32()));
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
        foreach (var member in members) Assert.Equal(100, Assert.Single(await _api.LotsAsync(member)).Remaining);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_answer_the_exchange_rate_in_force_at_a_date()
    {
        await _api.SetClockAsync(Start);
        using var ops = _api.Ops();
        (await ops.PutAsJsonAsync("/ops/exchange-rates/KRW", new { usdPerUnit = 0.00075m, effectiveFrom = Start.AddDays(-10) }, Ct)).EnsureSuccessStatusCode();
        (await ops.PutAsJsonAsync("/ops/exchange-rates/krw", new { usdPerUnit = 0.00072m, effectiveFrom = Start.AddDays(-2) }, Ct)).EnsureSuccessStatusCode();
        var bad = await ops.PutAsJsonAsync("/ops/exchange-rates/KRW", new { usdPerUnit = -1m, effectiveFrom = Start }, Ct);

        async Task<decimal> RateAtAsync(DateTimeOffset at) =>
            (await ops.GetFromJsonAsync<JsonElement>($"/ops/exchange-rates/KRW?at={Uri.EscapeDataString(at.ToString("O"))}", Ct)).GetProperty("usdPerUnit").GetDecimal();

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(0.00075m, await RateAtAsync(Start.AddDays(-5)));
        Assert.Equal(0.00072m, await RateAtAsync(Start));
        var none = await ops.GetAsync($"/ops/exchange-rates/KRW?at={Uri.EscapeDataString(Start.AddDays(-30).ToString("O"))}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }
}
