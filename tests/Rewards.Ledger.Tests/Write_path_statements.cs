using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using System.Text.RegularExpressions;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Partners.Client;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>
/// The statements the Ledger's write path runs, as PostgreSQL receives them, each checked to reach members' rows only
/// through member keys: what sharding the Ledger by member (docs/scaling.md) needs.
/// </summary>
public sealed class Write_path_statements(LedgerService service) : IClassFixture<LedgerService>
{
    /// <summary>Tables whose rows belong to one member, and the columns that name the member (or its accounts and lots).</summary>
    private static readonly Dictionary<string, string[]> MemberTables = new()
    {
        ["accounts"] = ["member_id", "id"], ["lots"] = ["member_id", "id"], ["postings"] = ["account_id"],
        ["posting_keys"] = ["account_id"], ["allocations"] = ["lot_id"], ["holds"] = ["member_id"],
        ["member_enrolments"] = ["member_id"], ["member_suspensions"] = ["member_id"], ["forfeitures"] = ["member_id"],
        ["gifts"] = ["from_member_id"], ["member_cards"] = ["member_id"],
    };

    /// <summary>Look-ups by a key other than the member's, each unique across members by a rule; on a sharded ledger each is a look-up table or one query to every shard.</summary>
    private static readonly Dictionary<string, string> GlobalLookups = new()
    {
        ["from holds where id = @holdId"] = "CommitPointsHold and ReleasePointsHold name only the hold",
        ["update holds set status = @status, closed_at = @now, close_reason = @reason where id = @id"] = "the hold found by its id above",
        ["from lots where source = 'missed-earning' and origin_lot_id is null and reference = any(@receipts)"] = "L12: a receipt earns once, whoever claims it",
        ["from member_cards where card_number = @card"] = "a partner's till knows the card, not the member",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LedgerApi _api = new(service.Host);
    private readonly PartnerDesk _desk = new(service.Host);

    [Fact]
    [Trait("Rule", "L2")]
    public async Task Should_reach_members_rows_only_through_member_keys_on_the_write_path()
    {
        var database = new NpgsqlConnectionStringBuilder(service.Host.ConnectionString).Database!;
        var statements = new ConcurrentDictionary<string, byte>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var db = (activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name")) as string;
                var text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string;
                if (db == database && text is not null) statements.TryAdd(Regex.Replace(text, @"\s+", " ").Trim(), 0);
            },
        };
        ActivitySource.AddActivityListener(listener);

        // The jobs are not the write path (they work on ranges of members by design): their locks keep them from running.
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.OpenAsync(Ct);
        string[] jobs;
        using (var ops = _api.Ops())
            jobs = [.. (await ops.GetFromJsonAsync<JsonElement>("/ops/jobs", Ct)).EnumerateArray().Select(j => j.GetProperty("name").GetString()!)];
        foreach (var job in jobs) await conn.ExecuteAsync("select pg_advisory_lock(hashtext('job:' || @job))", new { job });

        await _api.SetClockAsync(DateTimeOffset.UtcNow);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await _api.PurchasePointsAsync(a, 3000);
        await _api.PromotionPointsAsync(b, 100, _api.Now.AddDays(30));
        Assert.True((await _api.GiftAsync(a, b, 200)).IsSuccessStatusCode);
        Assert.True((await _api.TransferAsync(a, "online", "offline", 100)).IsSuccessStatusCode);
        var hold = Guid.NewGuid();
        await _api.HoldAsync(hold, a, 300);
        await _api.PublishAsync(new CommitPointsHold { HoldId = hold });
        var order = Guid.NewGuid();
        await _api.PublishAsync(new OrderPaid
        {
            OrderId = order, OrderNumber = "RW1", MemberId = b, CustomerEmail = "b@example.com", CustomerName = "B",
            GoodsUsd = 40m, AmountPaidUsd = 40m, Lines = [], PaidAt = _api.Now,
        });
        await _api.PublishAsync(new OrderRefunded { RefundId = Guid.NewGuid(), OrderId = order, MemberId = b, RefundUsd = 10m, EarnMultiplier = 1m, At = _api.Now });
        var partner = await _desk.CreatePartnerAsync();
        var (card, _) = await _desk.CardAsync(a);
        await _desk.Till(partner).PurchaseAsync(new PurchaseRequest(Guid.NewGuid().ToString("N"), card, 50m, "USD", _api.Now), Ct);
        using (var ops = _api.Ops())
            (await ops.PostAsJsonAsync($"/ops/members/{a}/debits", new { channel = "online", points = 10, reason = "Wrong earning" }, Ct)).EnsureSuccessStatusCode();
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(b)).Pending > 0, LedgerApi.Wait)); // the broker's work is done
        await Task.Delay(500, Ct);
        foreach (var job in jobs) await conn.ExecuteAsync("select pg_advisory_unlock(hashtext('job:' || @job))", new { job });

        var parts = statements.Keys.SelectMany(s => s.Split("; ")).Distinct().Order().ToList();
        // What the scenario went through, so the check below cannot pass on nothing.
        Assert.Contains(parts, s => s.StartsWith("insert into postings", StringComparison.Ordinal));
        Assert.Contains(parts, s => s.StartsWith("insert into allocations", StringComparison.Ordinal));
        Assert.Contains(parts, s => s.StartsWith("update accounts set balance", StringComparison.Ordinal));
        Assert.Contains(parts, s => s.Contains("from posting_keys", StringComparison.Ordinal));
        Assert.Contains(parts, s => s.Contains("for update", StringComparison.Ordinal));

        var offending = parts.Where(s => !ReachesMembersByKey(s)).ToList();
        Assert.True(offending.Count == 0, $"Write-path statements that reach members' rows other than by member key:\n{string.Join("\n", offending)}");
    }

    [Theory]
    [Trait("Rule", "L2")]
    [InlineData("select balance from accounts where member_id = @memberId", true)]
    [InlineData("select l.id from lots l join unnest(@members, @channels) k(member_id, channel) using (member_id, channel)", true)]
    [InlineData("select sum(amount) from postings where transaction_id in (select transaction_id from postings where account_id = @id)", false)]
    [InlineData("select l.id from lots l join lots o on o.id = l.origin_lot_id where l.member_id = @memberId", false)]
    [InlineData("select count(*) from lots where status = 'earned'", false)]
    [InlineData("update accounts set balance = 0 where bucket = 'held'", false)]
    [InlineData("insert into lots (id, member_id) select id, member_id from lots where status = 'pending'", false)]
    public void Should_tell_a_statement_keyed_by_member_from_one_that_reaches_across_members(string statement, bool keyed) =>
        Assert.Equal(keyed, ReachesMembersByKey(statement));

    /// <summary>
    /// True when every member table the statement names is reached by its member key: an insert of the operation's
    /// own rows, or a condition on the key against parameters or the operation's key list (unnest, any). A join
    /// between two members' rows on anything else (a transaction id, an original lot) fails it.
    /// </summary>
    internal static bool ReachesMembersByKey(string statement)
    {
        if (GlobalLookups.Keys.Any(statement.Contains)) return true;
        foreach (var (table, keys) in MemberTables)
        {
            if (!Regex.IsMatch(statement, $@"\b(from|join|into|update)\s+{table}\b")) continue;
            // The operation's own rows: values or arrays of parameters, and no table read.
            if (Regex.IsMatch(statement, $@"^insert into {table} \(") && !Regex.IsMatch(statement, @"\b(from|join)\s+(?!unnest\()\w")) continue;
            if (Regex.IsMatch(statement, @"\btransaction_id\s*(=|in\b)")) return false;
            // Rows joined to rows through another column (o.id = l.origin_lot_id): the other side may be anybody's.
            if (Regex.Matches(statement, @"\b\w+\.(\w+)\s*=\s*\w+\.(\w+)\b").Any(m => m.Groups[1].Value != m.Groups[2].Value)) return false;
            var keyed = keys.Any(key =>
                Regex.IsMatch(statement, $@"\b(\w+\.)?{key}\s*=\s*(@\w+|any\(@\w+\)|\w+\.{key}\b|c\.id\b)") || Regex.IsMatch(statement, $@"using \({key}\b"));
            if (!keyed) return false;
        }
        return true;
    }
}
