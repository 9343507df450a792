using Dapper;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Storage;

/// <summary>
/// Keeps a month partition of postings ready for last month, this month and the next <see cref="MonthsAhead"/>
/// (by the service's clock), so postings never fall into the default partition in normal running. Partitions are never
/// detached: postings are kept for ever.
/// </summary>
public sealed class PostingPartitionsJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public const int MonthsAhead = 3;

    public string Name => "posting-partitions";
    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        await using var conn = await db.OpenConnectionAsync(ct);
        var created = new List<string>();
        for (var i = -1; i <= MonthsAhead; i++)
        {
            var month = thisMonth.AddMonths(i);
            if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "select create_postings_partition(@month::date)", new { month = month.ToString("yyyy-MM-dd") }, commandTimeout: 600, cancellationToken: ct)))
                created.Add(month.ToString("yyyy-MM"));
        }
        var outside = await conn.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from postings_default", cancellationToken: ct));
        var summary = created.Count == 0 ? "month partitions up to date" : $"created month partitions {string.Join(", ", created)}";
        return new JobResult($"{summary}; {outside} postings outside every month partition", created.Count);
    }
}
