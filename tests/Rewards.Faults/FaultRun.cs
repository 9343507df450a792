using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Rewards.Faults;

internal sealed record RunResult(
    Scenario Scenario, int Purchases, TimeSpan LoadTime, long Events, int Retries, string RetryReasons, double MaxOutboxLagSeconds,
    TimeSpan? Drain, IReadOnlyList<Check> Checks, IReadOnlyDictionary<string, int> ErrorLogLines, string LogDirectory)
{
    public bool Passed => Drain is not null && Checks.All(c => c.Ok);
}

/// <summary>
/// One run: a fresh system, members registered, the purchases driven by concurrent storefront clients while the
/// scenario's faults strike, then the wait until everything has caught up and the checks.
/// </summary>
internal static class FaultRun
{
    private const int Clients = 16;
    private static readonly TimeSpan DrainWithin = TimeSpan.FromMinutes(5);

    public static async Task<RunResult> ExecuteAsync(Scenario scenario, FaultOptions options)
    {
        var run = $"{DateTime.UtcNow:HHmmss}-{scenario.Name}";
        var logs = Path.Combine(Program.Root, ".local/faults/logs", scenario.Name);
        if (Directory.Exists(logs)) Directory.Delete(logs, recursive: true);
        await using var system = await RunningSystem.StartAsync(Program.Root, logs, scenario.Instances);
        using var store = new Storefront(system);
        var members = await store.RegisterMembersAsync(options.Members, run);
        var opsToken = await store.LoginAsync("ops@rewards.local", "ops-dev-password"); // Membership's development ops account
        store.Retries.Clear();

        await using var lag = new OutboxLag();
        var refused = new List<string>();
        var plan = TimeSpan.FromSeconds(options.Seconds);
        var load = Stopwatch.StartNew();
        Program.Log($"load: {options.Purchases} purchases over {plan.TotalSeconds:0} s by up to {Clients} clients");
        var faults = Task.Run(async () =>
        {
            foreach (var step in scenario.Steps)
            {
                var at = plan * step.AtProgress;
                if (load.Elapsed < at) await Task.Delay(at - load.Elapsed);
                await step.InjectAsync(system);
            }
        });
        // Purchases start on an even schedule, so the faults strike under load; a client that falls behind (a fault
        // slows every request) catches up as fast as the system lets it.
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < options.Purchases; i = Interlocked.Increment(ref next))
            {
                var due = plan * i / options.Purchases;
                if (load.Elapsed < due) await Task.Delay(due - load.Elapsed);
                try
                {
                    await store.PurchaseAsync(members[i % members.Length], i, run);
                }
                catch (RefusedException ex)
                {
                    lock (refused) refused.Add(ex.Message);
                }
            }
        })));
        load.Stop();
        Program.Log($"load done: {options.Purchases - refused.Count} purchases answered, {refused.Count} refused");
        await faults; // every fault has struck and the servers it stopped are back
        var inspection = new Checks(system, store, members, options.Purchases - refused.Count, opsToken);
        var drain = await inspection.DrainAsync(DrainWithin);
        var maxLag = lag.MaxAgeSeconds;

        var checks = new List<Check>
        {
            new("every request answered", refused.Count == 0, refused.Count == 0
                ? $"{options.Purchases} orders placed and paid, {store.Retries.Values.Sum()} retries"
                : $"{refused.Count} refused for good, e.g. {refused[0]}"),
            new("no 500 answers", store.ServerErrors.IsEmpty, store.ServerErrors.IsEmpty ? "none" : $"{store.ServerErrors.Count}, e.g. {store.ServerErrors.First()}"),
        };
        checks.AddRange(await inspection.RunAsync());
        return new RunResult(scenario, options.Purchases, load.Elapsed, await EventsAsync(), store.Retries.Values.Sum(),
            string.Join(", ", store.Retries.OrderByDescending(r => r.Value).Select(r => $"{r.Key} ×{r.Value}")),
            maxLag, drain, checks, ErrorLogLines(system), logs);
    }

    /// <summary>Events the services published through their outboxes during the run.</summary>
    private static async Task<long> EventsAsync()
    {
        long events = 0;
        foreach (var service in RunningSystem.Services)
        {
            await using var conn = new NpgsqlConnection(RunningSystem.ConnectionString(service));
            events += await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages where published_at is not null");
        }
        return events;
    }

    /// <summary>Log lines at Error or Fatal per service: what an operator would be paged for.</summary>
    private static Dictionary<string, int> ErrorLogLines(RunningSystem system) =>
        system.All.GroupBy(p => p.Service).ToDictionary(g => g.Key, g => g.Sum(p =>
            File.Exists(p.Log) ? File.ReadLines(p.Log).Count(l => l.Contains(" ERR] ", StringComparison.Ordinal) || l.Contains(" FTL] ", StringComparison.Ordinal)) : 0));
}
