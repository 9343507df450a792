using Npgsql;
using Rewards.ServiceDefaults.Data;

namespace Rewards.ServiceDefaults.Jobs;

/// <summary>Deletes job runs older than <see cref="Retention"/>; the Ledger's 30-second jobs alone record 5,760 a day.</summary>
public sealed class JobHistoryCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public string Name => "job-history-cleanup";
    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var deleted = await SlicedDelete.RunAsync(db,
            "delete from job_runs where id in (select id from job_runs where started_at < @cutoff limit @slice)",
            clock.GetUtcNow() - Retention, ct);
        return new JobResult($"deleted {deleted} job runs", deleted);
    }
}
