using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// Deletes outbox rows published more than <see cref="Retention"/> ago; without it the outbox grows by one row per
/// event for ever. Unpublished rows are never deleted.
/// </summary>
public sealed class OutboxCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    /// <summary>Long enough to look an event up when a consumer's effect is questioned.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public string Name => "outbox-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(30);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var deleted = await SlicedDelete.RunAsync(db,
            """
            delete from outbox_messages where seq in (
                select seq from outbox_messages where published_at < @cutoff order by seq limit @slice)
            """, clock.GetUtcNow() - Retention, ct);
        return new JobResult($"deleted {deleted} published outbox rows", deleted);
    }
}
