using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// Deletes inbox rows of messages received more than <see cref="Retention"/> ago; without it the inbox grows by one row
/// per consumed message for ever. The inbox turns away redeliveries, which come within minutes (or, for a message
/// parked in an error queue and moved back by ops, within days). A message delivered again after the retention is
/// handled again: the Ledger's consumers also guard their postings by business keys (purchase, refund, hold, lot), so
/// they still post once; a notification could be sent twice.
/// </summary>
public sealed class InboxCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public string Name => "inbox-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(30);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var deleted = await SlicedDelete.RunAsync(db,
            """
            delete from inbox_messages where (message_id, consumer) in (
                select message_id, consumer from inbox_messages where received_at < @cutoff limit @slice)
            """, clock.GetUtcNow() - Retention, ct);
        return new JobResult($"deleted {deleted} inbox rows", deleted);
    }
}
