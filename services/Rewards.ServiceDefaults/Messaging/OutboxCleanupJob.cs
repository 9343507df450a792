using Dapper;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// Deletes outbox rows published more than <see cref="Retention"/> ago; without it the outbox grows by one row per
/// event for ever. Unpublished rows are never deleted. Deletes in slices, so no transaction holds many rows.
/// </summary>
public sealed class OutboxCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    /// <summary>Long enough to look an event up when a consumer's effect is questioned.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private const int Slice = 10_000;

    public string Name => "outbox-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(30);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - Retention;
        await using var conn = await db.OpenConnectionAsync(ct);
        long deleted = 0;
        int slice;
        do
        {
            slice = await conn.ExecuteAsync(new CommandDefinition(
                """
                delete from outbox_messages where seq in (
                    select seq from outbox_messages where published_at < @cutoff order by seq limit @slice)
                """, new { cutoff, slice = Slice }, cancellationToken: ct));
            deleted += slice;
        }
        while (slice == Slice);
        return $"deleted {deleted} published outbox rows";
    }
}
