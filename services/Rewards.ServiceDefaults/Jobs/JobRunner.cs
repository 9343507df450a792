using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Rewards.ServiceDefaults.Jobs;

public sealed record JobStatus(
    string Name, TimeSpan Interval, DateTimeOffset? LastRunAt, DateTimeOffset? NextRunAt, string? LastResult, bool? LastSucceeded,
    DateTimeOffset? LastEndedAt, double? LastDurationMs, long? LastRows = null);

/// <summary>One run of a job: <c>EndedAt</c> is null while it runs, or when its process died during it.</summary>
public sealed record JobRun(
    string Name, DateTimeOffset StartedAt, bool? Succeeded, string? Result, DateTimeOffset? EndedAt = null, double? DurationMs = null,
    string? StartedBy = null, string? Instance = null, long? Rows = null);

/// <summary>
/// Runs jobs by name and records every run in <c>job_runs</c> (start and end on the service's clock, duration,
/// outcome, who started it, on which instance), so the history outlives a restart and covers every instance, and
/// counts them for the metrics <c>rewards_jobs_runs_total{clock_job, outcome}</c>, <c>rewards_jobs_duration_seconds</c>
/// and <c>rewards_jobs_rows_total</c> (rows the runs touched). A job runs on one instance at a time: each run holds a
/// PostgreSQL advisory lock named after the job, on a connection of <see cref="LockPool"/>.
/// </summary>
public sealed class JobRunner
{
    public const string MeterName = "Rewards.Jobs";
    /// <summary>
    /// The data source job locks are held on: a pool of its own, so that runs holding locks can never take every
    /// connection their jobs need, and reset when a connection goes back, which releases a lock left behind.
    /// </summary>
    public const string LockPool = "job-locks";
    private static readonly string Instance = $"{Environment.MachineName}/{Environment.ProcessId}";
    private readonly Dictionary<string, IClockJob> _jobs;
    private readonly Dictionary<string, DateTimeOffset> _nextRuns = [];
    private readonly NpgsqlDataSource _db;
    private readonly NpgsqlDataSource _locks;
    private readonly TimeProvider _clock;
    private readonly ILogger<JobRunner> _logger;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rows;

    public JobRunner(IEnumerable<IClockJob> jobs, NpgsqlDataSource db, [FromKeyedServices(LockPool)] NpgsqlDataSource locks, TimeProvider clock,
        IMeterFactory meters, ILogger<JobRunner> logger)
    {
        _jobs = jobs.ToDictionary(j => j.Name);
        _db = db;
        _locks = locks;
        _clock = clock;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _runs = meter.CreateCounter<long>("rewards.jobs.runs", "{run}", "Clock job runs by job and outcome (succeeded, failed)");
        _duration = meter.CreateHistogram<double>("rewards.jobs.duration", "s", "How long clock job runs took");
        _rows = meter.CreateCounter<long>("rewards.jobs.rows", "{row}", "Rows (lots, members, orders …) clock job runs touched");
    }

    public IReadOnlyCollection<IClockJob> Jobs => _jobs.Values;

    public bool Exists(string name) => _jobs.ContainsKey(name);

    public async Task<IReadOnlyList<JobStatus>> StatusAsync(CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        var last = (await conn.QueryAsync<JobRun>(new CommandDefinition(
            """
            select distinct on (job) job as name, started_at, succeeded, result, ended_at, duration_ms, started_by, instance, rows
            from job_runs order by job, id desc
            """, cancellationToken: ct))).ToDictionary(r => r.Name);
        lock (_nextRuns)
        {
            return [.. _jobs.Values.OrderBy(j => j.Name).Select(j =>
            {
                var run = last.GetValueOrDefault(j.Name);
                return new JobStatus(j.Name, j.Interval, run?.StartedAt, _nextRuns.TryGetValue(j.Name, out var next) ? next : null,
                    run?.Result, run?.Succeeded, run?.EndedAt, run?.DurationMs, run?.Rows);
            })];
        }
    }

    public async Task<IReadOnlyList<JobRun>> HistoryAsync(string name, int limit, CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        return [.. await conn.QueryAsync<JobRun>(new CommandDefinition(
            """
            select job as name, started_at, succeeded, result, ended_at, duration_ms, started_by, instance, rows
            from job_runs where job = @name order by id desc limit @limit
            """, new { name, limit }, cancellationToken: ct))];
    }

    internal void Scheduled(string name, DateTimeOffset next)
    {
        lock (_nextRuns) _nextRuns[name] = next;
    }

    /// <summary>
    /// Runs the job now, once a run of it on another instance (or this one) has ended; <paramref name="startedBy"/> is
    /// <c>ops:</c> and the subject of whoever asked.
    /// </summary>
    public async Task<JobRun> RunAsync(string name, string startedBy, CancellationToken ct) =>
        (await RunLockedAsync(name, startedBy, wait: true, ct))!;

    /// <summary>A scheduled run: none (null) while the job runs elsewhere, which does what is due anyway.</summary>
    public Task<JobRun?> RunIfIdleAsync(string name, string startedBy, CancellationToken ct) => RunLockedAsync(name, startedBy, wait: false, ct);

    private async Task<JobRun?> RunLockedAsync(string name, string startedBy, bool wait, CancellationToken ct)
    {
        var key = $"job:{name}";
        await using var lockConnection = await _locks.OpenConnectionAsync(ct);
        if (wait) await lockConnection.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(hashtext(@key))", new { key }, cancellationToken: ct));
        else if (!await lockConnection.ExecuteScalarAsync<bool>(new CommandDefinition("select pg_try_advisory_lock(hashtext(@key))", new { key }, cancellationToken: ct)))
        {
            _logger.LogDebug("Job {Job} runs on another instance; this run is skipped", name);
            return null;
        }
        try
        {
            return await RunNowAsync(name, startedBy, ct);
        }
        finally
        {
            // Also released when the connection goes back to its pool (reset) or breaks (the session ends).
            try { await lockConnection.ExecuteAsync("select pg_advisory_unlock(hashtext(@key))", new { key }); }
            catch (Exception ex) when (Outages.Describe(ex) is not null) { }
        }
    }

    private async Task<JobRun> RunNowAsync(string name, string startedBy, CancellationToken ct)
    {
        var job = _jobs[name];
        var started = _clock.GetUtcNow();
        var runId = await RecordStartAsync(name, startedBy, started, ct);
        var stopwatch = Stopwatch.StartNew();
        bool succeeded;
        string result;
        long? rows = null;
        try
        {
            var done = await job.RunAsync(ct);
            (result, rows) = (done.Summary, done.Rows);
            succeeded = true;
            if (result.Length > 0) _logger.LogInformation("Job {Job}: {Result}", name, result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (Outages.Describe(ex) is { } outage) _logger.LogWarning("Job {Job} failed: {Outage} ({Error})", name, outage, ex.GetBaseException().Message);
            else _logger.LogError(ex, "Job {Job} failed", name);
            succeeded = false;
            result = ex.Message;
        }
        // "job" would clash with Prometheus' own target label.
        var tag = new KeyValuePair<string, object?>("clock_job", name);
        _runs.Add(1, tag, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));
        _duration.Record(stopwatch.Elapsed.TotalSeconds, tag);
        if (rows is > 0) _rows.Add(rows.Value, tag);
        var run = new JobRun(name, started, succeeded, result, _clock.GetUtcNow(), stopwatch.Elapsed.TotalMilliseconds, startedBy, Instance, rows);
        await RecordEndAsync(runId, run, ct);
        return run;
    }

    /// <summary>The history is for people: a run goes ahead when it cannot be recorded (the job then meets the same outage).</summary>
    private async Task<long?> RecordStartAsync(string name, string startedBy, DateTimeOffset started, CancellationToken ct)
    {
        try
        {
            await using var conn = await _db.OpenConnectionAsync(ct);
            return await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                insert into job_runs (job, started_by, instance, started_at) values (@name, @startedBy, @Instance, @started)
                returning id
                """, new { name, startedBy, Instance, started }, cancellationToken: ct));
        }
        catch (Exception ex) when (Outages.Describe(ex) is not null)
        {
            return null;
        }
    }

    private async Task RecordEndAsync(long? runId, JobRun run, CancellationToken ct)
    {
        if (runId is null) return;
        try
        {
            await using var conn = await _db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update job_runs set ended_at = @EndedAt, duration_ms = @DurationMs, succeeded = @Succeeded, result = @Result, rows = @Rows
                where id = @runId
                """, new { runId, run.EndedAt, run.DurationMs, run.Succeeded, run.Result, run.Rows }, cancellationToken: ct));
        }
        catch (Exception ex) when (Outages.Describe(ex) is not null)
        {
            _logger.LogWarning("Job {Job}: the end of the run could not be recorded ({Error})", run.Name, ex.GetBaseException().Message);
        }
    }
}
