using System.Globalization;
using System.Text;

namespace Rewards.Faults;

internal sealed record FaultOptions(int Purchases, int Seconds, int Members, int Repeat, IReadOnlyList<string> Only)
{
    /// <summary>
    /// <c>--purchases N</c> (default 1,000) spread over <c>--seconds N</c> (default 60), <c>--members N</c> (default 40),
    /// <c>--repeat N</c> (runs of each scenario, default 1), <c>--only name,name</c> (scenarios, default all).
    /// </summary>
    public static FaultOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new(int.Parse(Value("--purchases") ?? "1000", CultureInfo.InvariantCulture),
            int.Parse(Value("--seconds") ?? "60", CultureInfo.InvariantCulture),
            int.Parse(Value("--members") ?? "40", CultureInfo.InvariantCulture),
            int.Parse(Value("--repeat") ?? "1", CultureInfo.InvariantCulture),
            Value("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? []);
    }
}

/// <summary>
/// The fault suite (deploy/local/faults.sh runs it): every scenario on a fresh system, then a table of what happened
/// and the checks that failed. Exits 1 when any run failed. The report is also written to .local/faults/report.md.
/// </summary>
internal static class Program
{
    public static string Root { get; } = FindRoot();
    private static readonly System.Diagnostics.Stopwatch RunClock = new();

    /// <summary>A line of the run's timeline, stamped with the seconds since the run began.</summary>
    public static void Log(string message) => Console.WriteLine($"[faults] {RunClock.Elapsed.TotalSeconds,6:0.0} s  {message}");

    public static async Task<int> Main(string[] args)
    {
        var options = FaultOptions.Parse(args);
        var scenarios = Scenario.All.Where(s => options.Only.Count == 0 || options.Only.Contains(s.Name))
            .SelectMany(s => Enumerable.Repeat(s, options.Repeat)).ToList();
        await FaultServers.UpAsync();
        var results = new List<RunResult>();
        foreach (var scenario in scenarios)
        {
            Console.WriteLine($"[faults] {scenario.Name}: {scenario.Fault}");
            RunClock.Restart();
            FaultServers.Cluster = scenario.Cluster;
            if (scenario.Cluster) await FaultServers.ClusterUpAsync();
            var result = await FaultRun.ExecuteAsync(scenario, options);
            results.Add(result);
            foreach (var check in result.Checks) Console.WriteLine($"[faults]   {(check.Ok ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
            Console.WriteLine($"[faults]   {(result.Passed ? "passed" : "FAILED")}: load {result.LoadTime.TotalSeconds:0.0} s, drain {Seconds(result.Drain)}, "
                + $"max outbox lag {result.MaxOutboxLagSeconds:0.0} s, retries {result.Retries} ({result.RetryReasons}); logs in {result.LogDirectory}");
        }
        var report = Report(results, options);
        Console.WriteLine();
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.Combine(Root, ".local/faults"));
        await File.WriteAllTextAsync(Path.Combine(Root, ".local/faults/report.md"), report);
        return results.All(r => r.Passed) ? 0 : 1;
    }

    private static string Report(List<RunResult> results, FaultOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fault suite, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, "
            + $"{options.Purchases} purchases over {options.Seconds} s by {options.Members} members per run");
        text.AppendLine();
        text.AppendLine("| run | fault | purchases | events | client retries | max outbox lag | drain | ERR log lines | result |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            var failed = r.Checks.Where(c => !c.Ok).Select(c => c.Name).ToList();
            if (r.Drain is null) failed.Insert(0, "did not drain");
            var errors = r.ErrorLogLines.Values.Sum();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario.Name} | {r.Scenario.Fault} | {r.Purchases:N0} | {r.Events:N0} | {r.Retries:N0} | {r.MaxOutboxLagSeconds:0.0} s | {Seconds(r.Drain)} | "
                + $"{(errors == 0 ? "0" : string.Join(", ", r.ErrorLogLines.Where(e => e.Value > 0).Select(e => $"{e.Key} {e.Value}")))} | "
                + $"{(failed.Count == 0 ? "passed" : "FAILED: " + string.Join(", ", failed))} |");
        }
        return text.ToString();
    }

    private static string Seconds(TimeSpan? span) => span is { } s ? $"{s.TotalSeconds:0.0} s" : "—";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rewards.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Run from inside the repository");
    }
}
