using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Rewards.ServiceDefaults.Jobs;

public sealed record JobStatus(string Name, TimeSpan Interval, DateTimeOffset? LastRunAt, DateTimeOffset? NextRunAt, string? LastResult, bool? LastSucceeded);

public sealed record JobRun(string Name, DateTimeOffset StartedAt, bool Succeeded, string Result);

/// <summary>Runs jobs by name and remembers each one's last outcome for GET /ops/jobs.</summary>
public sealed class JobRunner(IEnumerable<IClockJob> jobs, TimeProvider clock, ILogger<JobRunner> logger)
{
    private readonly Dictionary<string, IClockJob> _jobs = jobs.ToDictionary(j => j.Name);
    private readonly ConcurrentDictionary<string, JobRun> _lastRuns = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _nextRuns = new();

    public IReadOnlyCollection<IClockJob> Jobs => _jobs.Values;

    public bool Exists(string name) => _jobs.ContainsKey(name);

    public IEnumerable<JobStatus> Status() => _jobs.Values.Select(j =>
    {
        _lastRuns.TryGetValue(j.Name, out var last);
        DateTimeOffset? next = _nextRuns.TryGetValue(j.Name, out var n) ? n : null;
        return new JobStatus(j.Name, j.Interval, last?.StartedAt, next, last?.Result, last?.Succeeded);
    });

    internal void Scheduled(string name, DateTimeOffset next) => _nextRuns[name] = next;

    public async Task<JobRun> RunAsync(string name, CancellationToken ct)
    {
        var job = _jobs[name];
        var started = clock.GetUtcNow();
        JobRun run;
        try
        {
            var result = await job.RunAsync(ct);
            run = new JobRun(name, started, true, result);
            if (result.Length > 0) logger.LogInformation("Job {Job}: {Result}", name, result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (Outages.Describe(ex) is { } outage) logger.LogWarning("Job {Job} failed: {Outage} ({Error})", name, outage, ex.GetBaseException().Message);
            else logger.LogError(ex, "Job {Job} failed", name);
            run = new JobRun(name, started, false, ex.Message);
        }
        _lastRuns[name] = run;
        return run;
    }
}
