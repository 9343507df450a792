using System.Diagnostics;

namespace Rewards.Benchmarks;

/// <summary>
/// How the Ledger's costs grow with its data: (b) and (d) on a small ledger, then the same and (e), (v) and the
/// liability report on a ledger with years of history loaded in SQL (<see cref="LedgerProcess.LoadHistoryAsync"/>).
/// </summary>
internal static class ScaleRun
{
    private static readonly TimeSpan FullVerifyAtMost = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(BenchOptions options, string root, string server, Action<string> print)
    {
        double smallCredits = double.NaN, smallP99 = double.NaN;
        var hotPath = options.Runs("b") || options.Runs("d");
        if (hotPath)
        {
            await using var small = await LedgerProcess.StartAsync(root, server);
            await using var smallVerifyJob = await small.HoldJobAsync("verify");
            await small.LoadMembersAsync(options.Members);
            await small.WarmUpAsync(round: TimeSpan.FromSeconds(5), atMost: TimeSpan.FromSeconds(90));
            (smallCredits, smallP99) = await CreditsAndBalancesAsync(small, options, $"{options.Members:N0} members", print);
        }

        await using var big = await LedgerProcess.StartAsync(root, server, options.ScaleDatabase, keepDatabase: options.Keep || options.ScaleDatabase is not null);
        var noVerifyJob = await big.HoldJobAsync("verify");
        if (options.ScaleDatabase is null)
        {
            var load = Stopwatch.StartNew();
            await big.LoadHistoryAsync(options.ScaleMembers, options.ScalePostings, print);
            print($"    loaded {options.ScaleMembers:N0} members and {options.ScalePostings:N0} postings in {load.Elapsed.TotalMinutes:0.0} min");
        }
        else
        {
            await big.UseLoadedMembersAsync();
            print($"    on {options.ScaleDatabase}, loaded earlier: {big.Members.Length:N0} members");
        }
        var (database, postings, count) = await big.DiskUsedAsync();
        print($"    disk: database {database / 1e9:0.0} GB; {count / 1e6:N0} million postings with their indexes and keys {postings / 1e9:0.0} GB = "
            + $"{postings / 1e6 / (count / 1e6):0} MB per million postings");
        if (hotPath)
        {
            await big.WarmUpAsync(round: TimeSpan.FromSeconds(5), atMost: TimeSpan.FromSeconds(120));
            var (credits, p99) = await CreditsAndBalancesAsync(big, options, $"{big.Members.Length:N0} members", print);
            print($"    at scale: (b) = {credits / smallCredits:0.00} × the small ledger's [target ≥ 0.8]; (d) p99 {p99:0.00} ms against {smallP99:0.00} ms [target ≤ 5 ms]");
        }

        if (options.Runs("l")) await Measure("liability", async () =>
        {
            var (summing, result) = await big.RunJobAsync("liability-months");
            print($"    liability-months job, first run ({result}): {summing.TotalSeconds:0} s");
            var took = await big.LiabilityMonthAsync();
            print($"(l) liability roll-forward for last month (GET /ops/liability): {took.TotalSeconds:0.00} s  [target ≤ 2 s]");
        });
        await noVerifyJob.DisposeAsync();
        if (options.Runs("v")) await Measure("verify", async () =>
        {
            var (took, accounts) = await big.VerifyRunsAsync(runs: 3);
            print($"(v) incremental verify (job verify, 3 runs of up to 20 s): {accounts:N0} member accounts in {took.TotalSeconds:0} s = {accounts / took.TotalSeconds:N0} accounts/s");
        });
        if (options.Runs("e")) await Measure("expiry", async () =>
        {
            await big.SettleAsync();
            var expiry = await big.ExpireAsync(options.Expire);
            print($"(e) expiry job over {options.Expire:N0} due lots: {expiry.TotalSeconds:0} s  [target ≤ 300 s]");
        });
        if (options.Runs("fv")) await Measure("full verify", async () =>
        {
            var full = big.FullVerifyAsync();
            if (await Task.WhenAny(full, Task.Delay(FullVerifyAtMost)) != full)
            {
                print($"(v) full verify (GET /ops/verify): not finished after {FullVerifyAtMost.TotalMinutes:0} min");
                return;
            }
            var (took, counted) = await full;
            print($"(v) full verify (GET /ops/verify): {took.TotalMinutes:0.0} min for {counted:N0} accounts");
        });

        async Task Measure(string phase, Func<Task> run)
        {
            try { await run(); }
            catch (Exception ex) { print($"    {phase} did not finish: {ex.GetType().Name}: {ex.Message}"); }
        }
    }

    private static async Task<(double Credits, double P99)> CreditsAndBalancesAsync(LedgerProcess ledger, BenchOptions options, string size, Action<string> print)
    {
        await ledger.SettleAsync();
        var credits = await ledger.CreditsPerSecondAsync(64, options.Seconds, oneMember: false);
        print($"(b) ops credits over HTTP, 64 clients, spread over {size}: {credits:N0}/s");
        await ledger.SettleAsync();
        var (p50, p99, achieved, _) = await ledger.BalanceLatencyAsync(2000, options.Seconds);
        print($"(d) balance at 2,000 req/s offered, {size} ({achieved:N0}/s served): p50 {p50:0.00} ms, p99 {p99:0.00} ms");
        return (credits, p99);
    }
}
