using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Faults;

internal sealed record Check(string Name, bool Ok, string Detail);

/// <summary>What must hold once the system has caught up after a fault: nothing lost, nothing doubled, nothing stuck.</summary>
internal sealed class Checks(RunningSystem system, Storefront store, Member[] members, int purchases, string opsToken)
{
    /// <summary>
    /// Waits until every member's points, every outbox, every queue and every e-mail have caught up with the purchases
    /// answered; the time it took, or null when they had not after <paramref name="within"/>.
    /// </summary>
    public async Task<TimeSpan?> DrainAsync(TimeSpan within)
    {
        var stopwatch = Stopwatch.StartNew();
        var reported = TimeSpan.Zero;
        while (stopwatch.Elapsed < within)
        {
            string outstanding;
            try
            {
                var members = await MismatchedMembersAsync();
                var outboxes = (await OutboxLag.ReadAsync()).Values.Sum(o => o.Waiting);
                var mails = await MissingMailsAsync();
                var queued = await QueuedMessagesAsync(errorQueues: false);
                if (members == 0 && outboxes == 0 && mails == 0 && queued == 0)
                {
                    Program.Log($"drained in {stopwatch.Elapsed.TotalSeconds:0.0} s");
                    return stopwatch.Elapsed;
                }
                outstanding = $"{members} members' points, {outboxes} outbox rows, {mails} mails not sent yet, {queued} queued messages";
            }
            catch (Exception ex) when (ex is NpgsqlException or HttpRequestException or RefusedException) { outstanding = ex.Message; }
            if (stopwatch.Elapsed - reported >= TimeSpan.FromSeconds(10))
            {
                Program.Log($"draining: waiting for {outstanding}");
                reported = stopwatch.Elapsed;
            }
            await Task.Delay(1_000);
        }
        return null;
    }

    public async Task<List<Check>> RunAsync()
    {
        var checks = new List<Check>();
        var wrong = new List<string>();
        foreach (var member in members)
        {
            var (balance, pending) = await OnlineAccountAsync(member);
            if (balance != Storefront.ExpectedBalance || pending != member.ExpectedPending)
                wrong.Add($"{member.Id}: balance {balance}, pending {pending}, expected {Storefront.ExpectedBalance} and {member.ExpectedPending}");
        }
        checks.Add(new("points exact", wrong.Count == 0, wrong.Count == 0
            ? $"{members.Length} members: welcome bonus and pending points as paid"
            : $"{wrong.Count} members wrong, e.g. {wrong[0]}"));

        await using (var orders = new NpgsqlConnection(RunningSystem.ConnectionString("Orders")))
        {
            var (placed, paid) = await orders.QuerySingleAsync<(long, long)>("select count(*), count(paid_at) from orders");
            checks.Add(new("orders once", placed == purchases && paid == purchases, $"{placed} orders, {paid} paid, for {purchases} purchases"));
        }

        var verify = await store.GetAsync("Ledger", "/ops/verify", opsToken);
        checks.Add(new("ledger verify", verify.GetProperty("ok").GetBoolean(),
            $"{verify.GetProperty("accountsChecked").GetInt64()} accounts, {verify.GetProperty("violations").GetArrayLength()} violations"));

        var outboxes = await OutboxLag.ReadAsync();
        checks.Add(new("outboxes drained", outboxes.Values.All(o => o.Waiting == 0),
            string.Join(", ", outboxes.Select(o => $"{o.Key} {o.Value.Waiting}"))));

        await using (var notifications = new NpgsqlConnection(RunningSystem.ConnectionString("Notifications")))
        {
            var mails = (await notifications.QueryAsync<(string Type, long Sent, long All)>(
                "select type, count(*) filter (where status = 'sent'), count(*) from notifications group by type")).ToDictionary(m => m.Type);
            long Sent(string type) => mails.TryGetValue(type, out var m) && m.Sent == m.All ? m.Sent : -1;
            checks.Add(new("mails once", Sent("welcome") == members.Length && Sent("order-received") == purchases && Sent("payment-confirmed") == purchases,
                string.Join(", ", mails.Values.OrderBy(m => m.Type).Select(m => $"{m.Type} {m.Sent}/{m.All}"))));
        }

        await Task.Delay(6_000); // the management API's queue counts lag by about 5 s
        var parked = await QueuedMessagesAsync(errorQueues: true);
        checks.Add(new("no _error messages", parked == 0, $"{parked} messages in _error/_skipped queues"));

        // A receive endpoint the bus is still restarting reports Degraded; it must recover by itself, and soon.
        var stopwatch = Stopwatch.StartNew();
        List<string> notReady;
        while ((notReady = await NotHealthyAsync()).Count > 0 && stopwatch.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(2_000);
        checks.Add(new("readiness healthy", notReady.Count == 0, notReady.Count == 0
            ? $"every instance Healthy ({stopwatch.Elapsed.TotalSeconds:0} s after the checks above)"
            : $"after 60 s: {string.Join(", ", notReady)}; consumers: {await ConsumersAsync()}"));
        return checks;
    }

    private async Task<List<string>> NotHealthyAsync()
    {
        var notHealthy = new List<string>();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var instance in system.All)
        {
            using var response = await probe.GetAsync($"{instance.Url}/health/ready");
            var report = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (report.GetProperty("status").GetString() != "Healthy")
                notHealthy.Add($"{instance.Name} " + string.Join("; ", report.GetProperty("checks").EnumerateArray()
                    .Where(c => c.GetProperty("status").GetString() != "Healthy")
                    .Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("status").GetString()}: {c.GetProperty("description")}")));
        }
        return notHealthy;
    }

    /// <summary>Queues with fewer consumers than the service has instances: a consumer that did not come back.</summary>
    private async Task<string> ConsumersAsync()
    {
        using var rabbit = FaultServers.Management();
        var queues = await rabbit.GetFromJsonAsync<JsonElement>($"/api/queues/{RunningSystem.VirtualHost}?columns=name,consumers");
        var instances = system.All.Count() / RunningSystem.Services.Length;
        var missing = queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() is { } name && !name.EndsWith("_error", StringComparison.Ordinal) && !name.EndsWith("_skipped", StringComparison.Ordinal)
                        && q.TryGetProperty("consumers", out var c) && c.GetInt32() < instances)
            .Select(q => $"{q.GetProperty("name").GetString()} {q.GetProperty("consumers").GetInt32()}").ToList();
        return missing.Count == 0 ? "every queue has a consumer per instance" : string.Join(", ", missing);
    }

    private async Task<int> MismatchedMembersAsync()
    {
        var mismatched = 0;
        foreach (var member in members)
        {
            var (balance, pending) = await OnlineAccountAsync(member);
            if (balance != Storefront.ExpectedBalance || pending != member.ExpectedPending) mismatched++;
        }
        return mismatched;
    }

    private async Task<(long Balance, long Pending)> OnlineAccountAsync(Member member)
    {
        var accounts = await store.GetAsync("Ledger", $"/ops/members/{member.Id}/accounts", opsToken);
        foreach (var account in accounts.GetProperty("accounts").EnumerateArray())
        {
            if (account.GetProperty("channel").GetString() == "online")
                return (account.GetProperty("balance").GetInt64(), account.GetProperty("pending").GetInt64());
        }
        return (0, 0);
    }

    /// <summary>
    /// E-mails not sent yet: those expected (a welcome per member, an order-received and a receipt per purchase) that
    /// are not in the table, plus those waiting there. Counted against what is expected rather than what is queued:
    /// the management API's queue counts lag and are missing for a while after a broker restart.
    /// </summary>
    private async Task<long> MissingMailsAsync()
    {
        await using var conn = new NpgsqlConnection(RunningSystem.ConnectionString("Notifications"));
        var (welcome, received, receipts, waiting) = await conn.QuerySingleAsync<(long, long, long, long)>(
            """
            select count(*) filter (where type = 'welcome'), count(*) filter (where type = 'order-received'),
                   count(*) filter (where type = 'payment-confirmed'), count(*) filter (where status <> 'sent')
            from notifications
            """);
        return Math.Max(0, members.Length - welcome) + Math.Max(0, purchases - received) + Math.Max(0, purchases - receipts) + waiting;
    }

    /// <summary>Messages (ready or unacknowledged) in the run's queues: the working ones, or those parked for a human.</summary>
    private static async Task<long> QueuedMessagesAsync(bool errorQueues)
    {
        using var rabbit = FaultServers.Management();
        var queues = await rabbit.GetFromJsonAsync<JsonElement>($"/api/queues/{RunningSystem.VirtualHost}?columns=name,messages");
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() is { } name && (name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal)) == errorQueues)
            // A queue without figures (the broker has not sampled it since it restarted) counts as one message: unknown is not empty.
            .Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 1);
    }
}
