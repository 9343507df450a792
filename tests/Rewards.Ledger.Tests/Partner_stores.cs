using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Partners.Client;

namespace Rewards.Ledger.Tests;

/// <summary>L16: partner stores post purchases, refunds and redemptions through the signed partner API.</summary>
public sealed class Partner_stores(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);
    private readonly PartnerDesk _desk = new(service.Host);

    /// <summary>A member the Ledger knows (with <paramref name="earned"/> offline points from an earlier purchase) and their card.</summary>
    private async Task<(Guid MemberId, string CardNumber, string Token)> MemberAsync(long earned = 0)
    {
        await _api.SetClockAsync(Now);
        var memberId = Guid.CreateVersion7();
        if (earned > 0) await _api.PurchasePointsAsync(memberId, earned, "offline", Now.AddDays(-10));
        else await _api.PurchasePointsAsync(memberId, 10, "online", Now.AddDays(-10));
        var (card, token) = await _desk.CardAsync(memberId);
        return (memberId, card, token);
    }

    private static string NewId() => $"T-{Guid.NewGuid():N}";

    [Fact]
    [Trait("Rule", "L16")]
    [Trait("Rule", "L3")]
    [Trait("Rule", "L4")]
    public async Task Should_credit_a_purchase_at_the_partners_rate_as_pending_points_that_earn_48_hours_after_it()
    {
        var (memberId, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync(earnRate: 0.02m);
        var purchasedAt = Now.AddMinutes(-30);

        var result = await _desk.Till(partner).PurchaseAsync(new PurchaseRequest(NewId(), card, 123.45m, "USD", purchasedAt), TestContext.Current.CancellationToken);

        Assert.Equal(2469, result.Points); // floor(123.45 × 0.02 × 1000), not the default 1%
        Assert.Equal(("pending", memberId, purchasedAt.AddHours(48)), (result.Status, result.MemberId, result.EarnsAt));
        Assert.Equal(new Balance(0, 0, 2469, 0), await _api.BalanceAsync(memberId, "offline"));

        await _api.SetClockAsync(purchasedAt.AddHours(47));
        await _api.RunJobAsync("activation");
        Assert.Equal(new Balance(0, 0, 2469, 0), await _api.BalanceAsync(memberId, "offline"));
        await _api.SetClockAsync(purchasedAt.AddHours(48).AddMinutes(1));
        await _api.RunJobAsync("activation");
        Assert.Equal(new Balance(2469, 2469, 0, 0), await _api.BalanceAsync(memberId, "offline"));
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_convert_a_purchase_in_another_currency_at_the_rate_in_force_on_the_purchase_date()
    {
        var (_, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync(earnRate: 0.01m);
        Assert.Equal(HttpStatusCode.OK, (await _desk.OpsAsync(HttpMethod.Put, "/ops/exchange-rates/KRW",
            new { usdPerUnit = 0.00075m, effectiveFrom = Now.AddDays(-30) })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _desk.OpsAsync(HttpMethod.Put, "/ops/exchange-rates/KRW",
            new { usdPerUnit = 0.0009m, effectiveFrom = Now.AddDays(-1) })).StatusCode);

        var result = await _desk.Till(partner).PurchaseAsync(new PurchaseRequest(NewId(), card, 200_000m, "KRW", Now.AddDays(-2)),
            TestContext.Current.CancellationToken);

        Assert.Equal((150.00m, 1500L), (result.AmountUsd, result.Points)); // the rate of two days ago, not today's
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_answer_a_repeated_transaction_id_with_the_first_answer_and_refuse_it_for_another_purchase()
    {
        var (memberId, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync();
        var till = _desk.Till(partner);
        var id = NewId();
        var ct = TestContext.Current.CancellationToken;

        var first = await till.PurchaseAsync(new PurchaseRequest(id, card, 50m, "USD", Now), ct);
        var repeat = await till.PurchaseAsync(new PurchaseRequest(id, card, 50m, "USD", Now), ct);
        var other = await Assert.ThrowsAsync<PartnerApiException>(() => till.PurchaseAsync(new PurchaseRequest(id, card, 70m, "USD", Now), ct));

        Assert.Equal(first, repeat);
        Assert.Equal((HttpStatusCode.Conflict, "transaction-id-reuse"), (other.Status, other.Type));
        Assert.Equal(1000, (await _api.BalanceAsync(memberId, "offline")).Pending);
    }

    [Fact]
    [Trait("Rule", "L16")]
    [Trait("Rule", "L18")]
    public async Task Should_post_a_transaction_sent_concurrently_many_times_once()
    {
        var (memberId, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync();
        var request = new PurchaseRequest(NewId(), card, 80m, "USD", Now);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try { return (await _desk.Till(partner, maxAttempts: 6).PurchaseAsync(request, TestContext.Current.CancellationToken)).Points; }
            catch (PartnerApiException e) { return -(long)e.Status; }
        }));

        Assert.All(results, points => Assert.Equal(1600, points));
        Assert.Equal(1600, (await _api.BalanceAsync(memberId, "offline")).Pending);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "select count(*) from partner_transactions where partner_id = @PartnerId", new { partner.PartnerId }));
    }

    [Fact]
    [Trait("Rule", "L17")]
    public async Task Should_give_no_points_for_a_purchase_that_used_another_promotion()
    {
        var (memberId, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync();

        var result = await _desk.Till(partner).PurchaseAsync(new PurchaseRequest(NewId(), card, 100m, "USD", Now, UsedOtherPromotion: true),
            TestContext.Current.CancellationToken);

        Assert.Equal((0L, "no-points", "stacked-promotion"), (result.Points, result.Status, result.NoPointsReason));
        Assert.Equal(new Balance(0, 0, 0, 0), await _api.BalanceAsync(memberId, "offline"));
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_give_no_points_for_a_purchase_made_before_the_member_enrolled()
    {
        await _api.SetClockAsync(Now);
        var memberId = Guid.CreateVersion7();
        await _api.PublishAsync(new Contracts.Membership.MemberRegistered
        {
            MemberId = memberId, Email = "m@example.com", Name = "M", Country = "KR", MarketingOptIn = false, NewMemberBenefits = false, RegisteredAt = Now,
        });
        var partner = await _desk.CreatePartnerAsync();
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await Testing.Eventually.TrueAsync(async () =>
        {
            try { return (await till.LookUpMemberAsync(memberId.ToString(), ct)).CanEarn; }
            catch (PartnerApiException) { return false; } // not registered in the Ledger yet
        }));

        var before = await till.PurchaseAsync(new PurchaseRequest(NewId(), memberId.ToString(), 100m, "USD", Now.AddDays(-1)), ct);
        var after = await till.PurchaseAsync(new PurchaseRequest(NewId(), memberId.ToString(), 100m, "USD", Now.AddMinutes(1)), ct);

        Assert.Equal((0L, "purchase-before-enrolment"), (before.Points, before.NoPointsReason));
        Assert.Equal(2000, after.Points);
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_refuse_a_purchase_for_a_member_the_ledger_does_not_know_and_open_no_account()
    {
        await _api.SetClockAsync(Now);
        var stranger = Guid.CreateVersion7();
        var partner = await _desk.CreatePartnerAsync();

        var refused = await Assert.ThrowsAsync<PartnerApiException>(() => _desk.Till(partner)
            .PurchaseAsync(new PurchaseRequest(NewId(), stranger.ToString(), 100m, "USD", Now), TestContext.Current.CancellationToken));

        Assert.Equal((HttpStatusCode.NotFound, "member-not-found"), (refused.Status, refused.Type));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.False(await conn.ExecuteScalarAsync<bool>("select exists (select 1 from accounts where member_id = @stranger)", new { stranger }));
    }

    [Fact]
    [Trait("Rule", "L7")]
    public async Task Should_take_back_the_points_of_a_partial_refund_and_then_the_rest_on_the_full_refund()
    {
        var (memberId, card, _) = await MemberAsync();
        var partner = await _desk.CreatePartnerAsync(earnRate: 0.01m);
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;
        var purchase = await till.PurchaseAsync(new PurchaseRequest(NewId(), card, 99.99m, "USD", Now.AddHours(-49)), ct);
        await _api.RunJobAsync("activation");
        Assert.Equal(new Balance(999, 999, 0, 0), await _api.BalanceAsync(memberId, "offline"));

        var partial = await till.RefundAsync(new RefundRequest(NewId(), purchase.TransactionId, 33.33m), ct);
        var rest = await till.RefundAsync(new RefundRequest(NewId(), purchase.TransactionId), ct);
        var beyond = await Assert.ThrowsAsync<PartnerApiException>(() => till.RefundAsync(new RefundRequest(NewId(), purchase.TransactionId, 0.01m), ct));

        Assert.Equal((333L, 333L, 66.66m), (partial.PointsTakenBack, partial.EarnedClawedBack, partial.AmountLeft)); // floor(33.33 × 10)
        Assert.Equal((666L, 66.66m, 0m), (rest.PointsTakenBack, rest.Amount, rest.AmountLeft));
        Assert.Equal("refund-exceeds-purchase", beyond.Type);
        Assert.Equal(new Balance(0, 0, 0, 0), await _api.BalanceAsync(memberId, "offline"));
    }

    [Fact]
    [Trait("Rule", "L7")]
    [Trait("Rule", "L4")]
    public async Task Should_void_pending_points_of_a_purchase_refunded_before_they_earn()
    {
        var (memberId, card, _) = await MemberAsync(earned: 500);
        var partner = await _desk.CreatePartnerAsync(earnRate: 0.01m);
        var till = _desk.Till(partner);
        var purchase = await till.PurchaseAsync(new PurchaseRequest(NewId(), card, 60m, "USD", Now), TestContext.Current.CancellationToken);

        var refund = await till.RefundAsync(new RefundRequest(NewId(), purchase.TransactionId), TestContext.Current.CancellationToken);

        Assert.Equal((600L, 600L, 0L), (refund.PointsTakenBack, refund.PendingVoided, refund.EarnedClawedBack));
        Assert.Equal(new Balance(500, 500, 0, 0), await _api.BalanceAsync(memberId, "offline")); // no negative balance from pending points
    }

    [Fact]
    [Trait("Rule", "L16")]
    [Trait("Rule", "L9")]
    public async Task Should_redeem_with_the_members_qr_token_and_give_the_points_back_on_cancellation()
    {
        var (memberId, card, token) = await MemberAsync(earned: 3000);
        var partner = await _desk.CreatePartnerAsync();
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;

        var byCard = await Assert.ThrowsAsync<PartnerApiException>(() => till.RedeemAsync(new RedemptionRequest(NewId(), card, 1000), ct));
        var oddUnit = await Assert.ThrowsAsync<PartnerApiException>(() => till.RedeemAsync(new RedemptionRequest(NewId(), token, 1005), ct));
        var tooMany = await Assert.ThrowsAsync<PartnerApiException>(() => till.RedeemAsync(new RedemptionRequest(NewId(), token, 5000), ct));
        var redemption = await till.RedeemAsync(new RedemptionRequest(NewId(), token, 1000), ct);
        var afterRedemption = await _api.BalanceAsync(memberId, "offline");
        var cancellation = await till.CancelRedemptionAsync(new RedemptionCancellationRequest(NewId(), redemption.TransactionId), ct);
        var again = await Assert.ThrowsAsync<PartnerApiException>(() =>
            till.CancelRedemptionAsync(new RedemptionCancellationRequest(NewId(), redemption.TransactionId), ct));

        Assert.Equal(("member-token-required", "invalid-points-unit", "insufficient-points"), (byCard.Type, oddUnit.Type, tooMany.Type));
        Assert.Equal((1000L, 1.000m, 2000L), (redemption.Points, redemption.ValueUsd, redemption.AvailableAfter));
        Assert.Equal(new Balance(2000, 2000, 0, 0), afterRedemption);
        Assert.Equal((1000L, 0L), (cancellation.PointsReturned, cancellation.ExpiredAgain));
        Assert.Equal("redemption-already-cancelled", again.Type);
        Assert.Equal(new Balance(3000, 3000, 0, 0), await _api.BalanceAsync(memberId, "offline"));
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_refuse_redemption_at_a_partner_excluded_from_it_and_write_nothing()
    {
        var (memberId, _, token) = await MemberAsync(earned: 3000);
        var partner = await _desk.CreatePartnerAsync(redemptionAllowed: false);

        var refused = await Assert.ThrowsAsync<PartnerApiException>(() =>
            _desk.Till(partner).RedeemAsync(new RedemptionRequest(NewId(), token, 1000), TestContext.Current.CancellationToken));
        var lookUp = await _desk.Till(partner).LookUpMemberAsync(token, TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode.Forbidden, "partner-redemption-excluded"), (refused.Status, refused.Type));
        Assert.False(lookUp.CanRedeem);
        Assert.Equal(new Balance(3000, 3000, 0, 0), await _api.BalanceAsync(memberId, "offline"));
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_look_up_a_member_by_card_number_or_token_without_personal_data()
    {
        var (memberId, card, token) = await MemberAsync(earned: 750);
        var partner = await _desk.CreatePartnerAsync();
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;

        var byCard = await till.LookUpMemberAsync(card, ct);
        var byToken = await till.LookUpMemberAsync(token, ct);
        var forged = await Assert.ThrowsAsync<PartnerApiException>(() => till.LookUpMemberAsync(token[..^2] + "xx", ct));
        var raw = await _desk.SendSignedAsync(partner, HttpMethod.Get, $"/partner/v1/members/{card}", null);

        Assert.Equal(new MemberView(memberId, "offline", true, false, 750, 0), byCard); // a card number cannot spend
        Assert.Equal(new MemberView(memberId, "offline", true, true, 750, 0), byToken);
        Assert.Equal("member-not-found", forged.Type);
        var fields = (await raw.Content.ReadFromJsonAsync<JsonElement>(ct)).EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Empty(fields.Intersect(["email", "name", "birthDate", "phone", "country"]));
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_list_the_partners_transactions_of_a_date_range_with_totals_page_by_page()
    {
        var (_, card, token) = await MemberAsync(earned: 5000);
        var partner = await _desk.CreatePartnerAsync(earnRate: 0.01m);
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 5; i++) await till.PurchaseAsync(new PurchaseRequest($"P{i}-{Guid.NewGuid():N}", card, 10m * (i + 1), "USD", Now.AddHours(-i)), ct);
        await till.PurchaseAsync(new PurchaseRequest(NewId(), card, 10m, "USD", Now.AddDays(-3)), ct); // outside the range
        var purchase = await till.PurchaseAsync(new PurchaseRequest(NewId(), card, 100m, "USD", Now), ct);
        await till.RefundAsync(new RefundRequest(NewId(), purchase.TransactionId, 50m), ct);
        await till.RedeemAsync(new RedemptionRequest(NewId(), token, 2000), ct);

        var from = DateOnly.FromDateTime(Now.AddDays(-1).UtcDateTime);
        var to = DateOnly.FromDateTime(Now.UtcDateTime);
        var first = await till.StatementAsync(from, to, limit: 4, ct: ct);
        var lines = new List<StatementLine>();
        await foreach (var line in till.StatementLinesAsync(from, to, ct)) lines.Add(line);

        Assert.Equal(4, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        Assert.Equal(8, lines.Count);
        Assert.Equal(lines.Count, lines.Select(l => l.TransactionId).Distinct().Count());
        Assert.Equal(new StatementTotals(6, 250m, 2500, 2.500m, 1, 50m, 500, 1, 2000, 2.000m, 0), first.Totals);
        Assert.Equal(purchase.TransactionId, lines.Single(l => l.Kind == "refund").RelatedTransactionId);
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_forget_the_members_card_when_the_member_is_erased()
    {
        var (memberId, card, token) = await MemberAsync(earned: 100);
        var partner = await _desk.CreatePartnerAsync();
        var till = _desk.Till(partner);
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(memberId, (await till.LookUpMemberAsync(card, ct)).MemberId);

        await _api.PublishAsync(new Contracts.Membership.MemberErased { MemberId = memberId, At = Now });

        Assert.True(await Testing.Eventually.TrueAsync(async () =>
        {
            try { await till.LookUpMemberAsync(card, ct); return false; }
            catch (PartnerApiException e) when (e.Type == "member-not-found") { return true; }
        }));
        var byToken = await Assert.ThrowsAsync<PartnerApiException>(() => till.LookUpMemberAsync(token, ct));
        Assert.Equal("member-not-found", byToken.Type);
    }

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_report_a_partner_transaction_whose_partner_does_not_exist()
    {
        var (memberId, partnerId) = (Guid.NewGuid(), Guid.NewGuid());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.ExecuteAsync(
            """
            insert into partner_transactions (id, partner_id, transaction_id, kind, member_id, channel, points, occurred_at, recorded_at)
            values (@id, @partnerId, 'T-orphan', 'purchase', @memberId, 'offline', 0, now(), now())
            """, new { id = Guid.CreateVersion7(), partnerId, memberId });
        try
        {
            using var ops = _api.Ops();
            var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", TestContext.Current.CancellationToken);
            Assert.Contains(report.GetProperty("violations").EnumerateArray(), v =>
                v.GetProperty("rule").GetString() == "partner-transaction-partner-exists" && v.GetProperty("detail").GetString()!.Contains(partnerId.ToString()));
        }
        finally
        {
            await conn.ExecuteAsync("delete from partner_transactions where partner_id = @partnerId", new { partnerId });
        }
    }
}
