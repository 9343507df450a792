using System.Net;
using System.Net.Http.Json;
using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;

namespace Rewards.Ledger.Tests;

/// <summary>L18: concurrent requests on one account never overspend, double-post or lose a posting.</summary>
public sealed class Concurrency(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2027, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_never_overspend_with_50_parallel_gifts_transfers_and_holds_on_one_account()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        var friends = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var friend in friends) await _api.PurchasePointsAsync(friend, 10);
        await _api.PurchasePointsAsync(member, 600);
        await _api.PurchasePointsAsync(member, 400, purchasedAt: Start.AddDays(-200));

        // 50 attempts of 100 points each against 1,000 points: exactly 10 may succeed.
        var attempts = Enumerable.Range(0, 50).Select(async i => (i % 3) switch
        {
            0 => (await _api.GiftAsync(member, friends[i % friends.Length], 100)).StatusCode == HttpStatusCode.Created,
            1 => (await _api.TransferAsync(member, "online", "offline", 100)).StatusCode == HttpStatusCode.Created,
            _ => await _api.HoldAsync(Guid.NewGuid(), member, 100) is PointsHeld,
        });
        var succeeded = (await Task.WhenAll(attempts)).Count(ok => ok);

        Assert.Equal(10, succeeded);
        var online = await _api.BalanceAsync(member);
        Assert.Equal(0, online.Available);
        Assert.True(online.Total >= 0);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_post_once_for_the_same_idempotency_key_sent_concurrently()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var ops = _api.Ops();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/ops/members/{member}/credits")
            {
                Content = JsonContent.Create(new { channel = "online", points = 500, kind = "correction", reason = "Same request, sent ten times" }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await ops.SendAsync(request, Ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));

        // The key is recorded in the credit's transaction, under the account's lock: every repeat waits and gets the first answer.
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Body).Distinct());
        Assert.Equal(500, (await _api.BalanceAsync(member)).Total);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_hold_once_for_the_same_hold_requested_concurrently()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 1000);
        var holdId = Guid.NewGuid();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _api.HoldAsync(holdId, member, 300)));

        Assert.All(answers, a => Assert.Equal(300, Assert.IsType<PointsHeld>(a).Points));
        Assert.Equal(new Balance(1000, 700, 0, 300), await _api.BalanceAsync(member));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("select count(*) from postings where idempotency_key = @k and seq is not null and amount < 0", new { k = $"hold:{holdId}" }));
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L6")]
    public async Task Should_expire_each_lot_once_when_expiry_runs_overlap_with_each_other_and_with_spending()
    {
        await _api.SetClockAsync(Start);
        var members = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToArray();
        var dueLots = new List<Guid>();
        foreach (var member in members)
        {
            dueLots.Add(await _api.PurchasePointsAsync(member, 100));
            dueLots.Add(await _api.PurchasePointsAsync(member, 50));
        }
        await _api.SetClockAsync(Start.AddMonths(59));
        foreach (var member in members) await _api.PurchasePointsAsync(member, 300); // not due: 60 months from now
        await _api.SetClockAsync(Start.AddMonths(61));

        // Three runs at once, while every member gifts from the lot that is not due.
        var runs = Enumerable.Range(0, 3).Select(_ => _api.RunJobAsync("expiry"));
        var gifts = members.Select(async (member, i) =>
            (await _api.GiftAsync(member, members[(i + 1) % members.Length], 100)).StatusCode);
        await Task.WhenAll(runs);
        Assert.All(await Task.WhenAll(gifts), status => Assert.Equal(HttpStatusCode.Created, status));

        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var expirePostings = (await conn.QueryAsync<(Guid LotId, long Count, long Points)>(
            "select lot_id, count(*), -sum(amount)::bigint from postings where kind = 'expire' and seq is not null and lot_id = any(@dueLots) group by lot_id",
            new { dueLots = dueLots.ToArray() })).ToList();
        Assert.Equal(dueLots.Count, expirePostings.Count);
        Assert.All(expirePostings, p => Assert.Equal(1, p.Count));
        Assert.Equal(members.Length * 150, expirePostings.Sum(p => p.Points));
        foreach (var member in members) Assert.Equal(300, (await _api.BalanceAsync(member)).Total); // 300 − 100 given + 100 received
        await _api.AssertVerifiedAsync();
    }

    /// <summary>The credit workers and the balance readers keep their connections open; a restarted or failed-over
    /// database closes them. The next request must still be answered, on a new connection.</summary>
    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_credit_and_read_balances_after_the_database_closed_every_connection_of_the_service()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PromotionPointsAsync(member, 100, Start.AddDays(30));
        Assert.Equal(100, (await _api.BalanceAsync(member)).Total);

        await using (var conn = new NpgsqlConnection(service.Host.ConnectionString))
        {
            var closed = await conn.ExecuteScalarAsync<long>(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()) t");
            Assert.True(closed > 0);
        }

        Assert.Equal(100, (await _api.BalanceAsync(member)).Total);
        await _api.PromotionPointsAsync(member, 50, Start.AddDays(30));
        Assert.Equal(150, (await _api.BalanceAsync(member)).Total);
        await _api.AssertVerifiedAsync();
    }
}
