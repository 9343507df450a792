using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Http;

/// <summary>Deletes Idempotency-Key records older than <see cref="Retention"/>; every keyed credit writes one. Kept keys (partner transaction ids) stay.</summary>
public sealed class IdempotencyCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public string Name => "idempotency-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(10);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var deleted = await SlicedDelete.RunAsync(db,
            """
            delete from idempotency_keys where (scope, key) in (
                select scope, key from idempotency_keys where created_at < @cutoff and not kept limit @slice)
            """, clock.GetUtcNow() - Retention, ct);
        return new JobResult($"deleted {deleted} idempotency records", deleted);
    }
}
