using Dapper;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// Deletes Idempotency-Key records older than <see cref="Retention"/>. Every keyed credit writes one, so there may be
/// millions to delete: it deletes in slices, and no transaction holds many rows.
/// </summary>
public sealed class IdempotencyCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private const int Slice = 10_000;

    public string Name => "idempotency-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(10);

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
                delete from idempotency_keys where (scope, key) in (
                    select scope, key from idempotency_keys where created_at < @cutoff limit @slice)
                """, new { cutoff, slice = Slice }, cancellationToken: ct));
            deleted += slice;
        }
        while (slice == Slice);
        return $"deleted {deleted} idempotency records";
    }
}
