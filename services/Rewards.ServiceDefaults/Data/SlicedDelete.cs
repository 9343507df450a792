using Dapper;
using Npgsql;

namespace Rewards.ServiceDefaults.Data;

/// <summary>Retention jobs delete in slices, so no transaction holds many rows and concurrent writers are not held up.</summary>
public static class SlicedDelete
{
    public const int Slice = 10_000;

    /// <summary>
    /// Runs <paramref name="sql"/>, a delete of at most <c>@slice</c> rows, until it deletes fewer than that; returns how
    /// many rows it deleted in all.
    /// </summary>
    public static async Task<long> RunAsync(NpgsqlDataSource db, string sql, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        long deleted = 0;
        int slice;
        do
        {
            slice = await conn.ExecuteAsync(new CommandDefinition(sql, new { cutoff, slice = Slice }, cancellationToken: ct));
            deleted += slice;
        }
        while (slice == Slice);
        return deleted;
    }
}
