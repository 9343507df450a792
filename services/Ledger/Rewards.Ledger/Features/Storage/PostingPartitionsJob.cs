using Dapper;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Storage;

/// <summary>
/// Keeps the year partitions of postings for last year, this year and next year (by the service's clock), so
/// postings never fall into the default partition in normal running. Partitions are never detached: postings are kept
/// for ever.
/// </summary>
public sealed class PostingPartitionsJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public string Name => "posting-partitions";
    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var year = clock.GetUtcNow().Year;
        await using var conn = await db.OpenConnectionAsync(ct);
        var created = new List<int>();
        foreach (var y in new[] { year - 1, year, year + 1 })
        {
            if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "select create_postings_partition(@day::date)", new { day = $"{y:D4}-01-01" }, commandTimeout: 600, cancellationToken: ct)))
                created.Add(y);
        }
        var outside = await conn.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from postings_default", cancellationToken: ct));
        var summary = created.Count == 0 ? "year partitions up to date" : $"created year partitions {string.Join(", ", created)}";
        return new JobResult($"{summary}; {outside} postings outside every year partition", created.Count);
    }
}
