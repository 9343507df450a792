using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>POST /ops/members/{id}/credits: corrections (L13), promotions (L19) and missed earnings (L12).</summary>
public sealed class Ops_credits(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private async Task<HttpResponseMessage> CreditAsync(Guid memberId, object body, string? idempotencyKey = null, string? token = null)
    {
        await service.Host.SetClockAsync(Now);
        using var ops = service.Host.ClientWithToken(token ?? TestTokens.Ops());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/ops/members/{memberId}/credits") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await ops.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> OnlineAsync(Guid memberId)
    {
        using var ops = service.Host.ClientWithToken(TestTokens.Ops());
        return (await ops.GetFromJsonAsync<JsonElement>($"/ops/members/{memberId}/accounts", TestContext.Current.CancellationToken))
            .GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("channel").GetString() == "online");
    }

    private static async Task<string> ProblemTypeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString()!;

    [Fact]
    [Trait("Rule", "L13")]
    public async Task Should_credit_a_correction_as_an_earned_lot_expiring_in_60_months_once_per_idempotency_key()
    {
        var memberId = Guid.NewGuid();
        var body = new { channel = "online", points = 700, kind = "correction", reason = "Earning missed by a POS fault" };
        var key = Guid.NewGuid().ToString();

        var first = await CreditAsync(memberId, body, key);
        var repeat = await CreditAsync(memberId, body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        var online = await OnlineAsync(memberId);
        Assert.Equal(700, online.GetProperty("balance").GetInt64());
        Assert.Equal(Now.AddMonths(60), online.GetProperty("nextExpiry").GetProperty("at").GetDateTimeOffset(), TimeSpan.FromSeconds(5)); // the clock runs on
    }

    [Fact]
    [Trait("Rule", "L13")]
    public async Task Should_replay_the_first_response_to_a_repeated_key_and_refuse_the_key_for_another_credit()
    {
        var memberId = Guid.NewGuid();
        var body = new { channel = "online", points = 300, kind = "correction", reason = "Points lost in a migration" };
        var key = Guid.NewGuid().ToString();

        var first = await CreditAsync(memberId, body, key);
        var repeat = await CreditAsync(memberId, body, key);
        var other = await CreditAsync(memberId, body with { points = 301 }, key);
        var elsewhere = await CreditAsync(Guid.NewGuid(), body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await repeat.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/json", repeat.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("/problems/idempotency-key-reuse", await ProblemTypeAsync(other));
        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
        Assert.Equal("/problems/idempotency-key-reuse", await ProblemTypeAsync(elsewhere));
        Assert.Equal(300, (await OnlineAsync(memberId)).GetProperty("balance").GetInt64());
    }

    [Fact]
    [Trait("Rule", "L6")]
    public async Task Should_refuse_an_expiry_date_on_a_credit_other_than_a_promotion()
    {
        var memberId = Guid.NewGuid();

        var response = await CreditAsync(memberId, new { channel = "online", points = 100, kind = "correction", reason = "Goodwill", expiresAt = Now.AddDays(10) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("expiresAt", out _), errors.ToString());
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from lots where member_id = @memberId", new { memberId }));
    }

    [Fact]
    [Trait("Rule", "L13")]
    public async Task Should_let_a_corrected_request_use_the_key_of_a_refused_one()
    {
        var memberId = Guid.NewGuid();
        var key = Guid.NewGuid().ToString();

        var refused = await CreditAsync(memberId, new { channel = "online", points = 0, kind = "correction", reason = "Typo" }, key);
        var corrected = await CreditAsync(memberId, new { channel = "online", points = 10, kind = "correction", reason = "Typo" }, key);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        Assert.Equal(10, (await OnlineAsync(memberId)).GetProperty("balance").GetInt64());
    }

    [Fact]
    [Trait("Rule", "L19")]
    public async Task Should_grant_a_promotion_only_with_an_expiry_and_never_as_transferable()
    {
        var memberId = Guid.NewGuid();

        var noExpiry = await CreditAsync(memberId, new { channel = "online", points = 500, kind = "promotion", reason = "Spring campaign" });
        var granted = await CreditAsync(memberId, new { channel = "online", points = 500, kind = "promotion", reason = "Spring campaign", expiresAt = Now.AddDays(30) });

        Assert.Equal(HttpStatusCode.BadRequest, noExpiry.StatusCode);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var lot = await conn.QuerySingleAsync<(string Source, bool Transferable, DateTime ExpiresAt)>(
            "select source, transferable, expires_at from lots where member_id = @memberId", new { memberId });
        Assert.Equal(("promotion", false), (lot.Source, lot.Transferable));
        Assert.Equal(Now.AddDays(30).UtcDateTime, DateTime.SpecifyKind(lot.ExpiresAt, DateTimeKind.Utc));
    }

    [Fact]
    [Trait("Rule", "L12")]
    public async Task Should_credit_a_receipt_once_within_a_year_dated_from_the_purchase()
    {
        var memberId = Guid.NewGuid();
        var receipt = $"POS-{Guid.NewGuid():N}";
        var purchasedAt = Now.AddDays(-364);

        var credited = await CreditAsync(memberId, new { channel = "offline", points = 420, kind = "missed-earning", reason = "Receipt shown at desk", receiptReference = receipt, purchasedAt });
        var again = await CreditAsync(Guid.NewGuid(), new { channel = "offline", points = 420, kind = "missed-earning", reason = "Same receipt", receiptReference = receipt, purchasedAt });
        var tooLate = await CreditAsync(memberId, new { channel = "offline", points = 420, kind = "missed-earning", reason = "Old receipt", receiptReference = $"POS-{Guid.NewGuid():N}", purchasedAt = Now.AddDays(-366) });

        Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("/problems/receipt-already-credited", await ProblemTypeAsync(again));
        Assert.Equal(HttpStatusCode.Conflict, tooLate.StatusCode);
        Assert.Equal("/problems/missed-earning-too-late", await ProblemTypeAsync(tooLate));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var expiresAt = await conn.ExecuteScalarAsync<DateTime>("select expires_at from lots where reference = @receipt", new { receipt });
        Assert.Equal(purchasedAt.AddMonths(60).UtcDateTime, expiresAt);
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_refuse_a_missed_earning_for_a_purchase_made_before_the_member_enrolled()
    {
        var memberId = Guid.NewGuid();
        var enrolledAt = Now.AddDays(-30);
        await new LedgerApi(service.Host).PublishAsync(new Rewards.Contracts.Membership.MemberRegistered
        {
            MemberId = memberId, Email = "late@example.com", Name = "Late Joiner", Country = "KR", MarketingOptIn = false,
            NewMemberBenefits = false, RegisteredAt = enrolledAt,
        });
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () =>
            await conn.ExecuteScalarAsync<bool>("select exists (select 1 from member_enrolments where member_id = @memberId)", new { memberId })));

        var before = await CreditAsync(memberId, new { channel = "offline", points = 300, kind = "missed-earning", reason = "Receipt from before joining", receiptReference = $"POS-{Guid.NewGuid():N}", purchasedAt = enrolledAt.AddDays(-1) });
        var after = await CreditAsync(memberId, new { channel = "offline", points = 200, kind = "missed-earning", reason = "Receipt from after joining", receiptReference = $"POS-{Guid.NewGuid():N}", purchasedAt = enrolledAt.AddDays(1) });

        Assert.Equal(HttpStatusCode.Conflict, before.StatusCode);
        Assert.Equal("/problems/purchase-before-enrolment", await ProblemTypeAsync(before));
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(200, await conn.ExecuteScalarAsync<long>(
            "select coalesce(sum(amount), 0)::bigint from lots where member_id = @memberId and source = 'missed-earning'", new { memberId }));
    }

    [Fact]
    public async Task Should_refuse_credits_from_members_and_bad_requests()
    {
        var memberId = Guid.NewGuid();
        var asMember = await CreditAsync(memberId, new { channel = "online", points = 100, kind = "correction", reason = "x" },
            token: TestTokens.Member(memberId, "m@example.com"));
        var badChannel = await CreditAsync(memberId, new { channel = "moon", points = 0, kind = "gift", reason = "" });

        Assert.Equal(HttpStatusCode.Forbidden, asMember.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badChannel.StatusCode);
        var errors = (await badChannel.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("errors");
        Assert.All(new[] { "channel", "points", "kind", "reason" }, f => Assert.True(errors.TryGetProperty(f, out _), f));
        Assert.Equal(0, (await OnlineAsync(memberId)).GetProperty("balance").GetInt64());
    }

    [Fact]
    [Trait("Rule", "L2")]
    public async Task Should_page_the_history_newest_first_without_skipping_when_new_postings_arrive()
    {
        var memberId = Guid.NewGuid();
        for (var i = 1; i <= 5; i++)
        {
            (await CreditAsync(memberId, new { channel = "online", points = i * 10, kind = "correction", reason = $"credit {i}" })).EnsureSuccessStatusCode();
        }
        using var member = service.Host.ClientWithToken(TestTokens.Member(memberId, "m@example.com"));
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await member.GetFromJsonAsync<JsonElement>($"/accounts/me/postings?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", TestContext.Current.CancellationToken);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("amount").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
            if (seen.Count == 2) (await CreditAsync(memberId, new { channel = "online", points = 999, kind = "correction", reason = "arrives mid-way" })).EnsureSuccessStatusCode();
        }
        while (cursor is not null);

        Assert.Equal([50L, 40L, 30L, 20L, 10L], seen);
        var bad = await member.GetAsync("/accounts/me/postings?cursor=not-a-cursor", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
