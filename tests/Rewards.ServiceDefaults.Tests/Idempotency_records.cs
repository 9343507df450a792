using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>Idempotency-Key records are kept for <see cref="IdempotencyCleanupJob.Retention"/>.</summary>
public sealed class Idempotency_records(MessagingHost host) : IClassFixture<MessagingHost>
{
    [Fact]
    public async Task Should_delete_records_older_than_the_retention_in_slices_and_keep_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        var scope = Guid.NewGuid().ToString();
        await using var conn = new NpgsqlConnection(host.ConnectionString);
        await conn.ExecuteAsync(
            """
            insert into idempotency_keys (scope, key, request_hash, status_code, created_at, completed_at)
            select @scope, 'old-' || n, 'hash', 201, @longAgo, @longAgo from generate_series(1, 10001) n;
            insert into idempotency_keys (scope, key, request_hash, status_code, created_at, completed_at)
            values (@scope, 'recent', 'hash', 201, @lately, @lately);
            """, new { scope, longAgo = now.AddHours(-25), lately = now.AddHours(-23) });

        var job = host.Host.Services.GetServices<IClockJob>().OfType<IdempotencyCleanupJob>().Single();
        var report = (await job.RunAsync(TestContext.Current.CancellationToken)).Summary;

        Assert.Equal("deleted 10001 idempotency records", report);
        Assert.Equal(["recent"], await conn.QueryAsync<string>("select key from idempotency_keys where scope = @scope", new { scope }));
    }
}
