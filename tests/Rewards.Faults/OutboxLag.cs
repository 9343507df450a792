using Dapper;
using Npgsql;

namespace Rewards.Faults;

/// <summary>
/// Samples every service's outbox twice a second: how many events wait to be published and how old the oldest is
/// (by the database's clock). Samples taken while PostgreSQL is away are skipped.
/// </summary>
internal sealed class OutboxLag : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private double _maxAgeSeconds;
    private long _maxWaiting;

    public double MaxAgeSeconds => _maxAgeSeconds;
    public long MaxWaiting => _maxWaiting;

    public OutboxLag() => _sampling = Task.Run(SampleAsync);

    /// <summary>Events not yet published, per service, now.</summary>
    public static async Task<Dictionary<string, (long Waiting, double OldestSeconds)>> ReadAsync()
    {
        var result = new Dictionary<string, (long, double)>();
        foreach (var service in RunningSystem.Services)
        {
            await using var conn = new NpgsqlConnection(RunningSystem.ConnectionString(service));
            result[service] = await conn.QuerySingleAsync<(long, double)>(
                """
                select count(*), coalesce(extract(epoch from now() - min(enqueued_at)), 0)::float8
                from outbox_messages where published_at is null
                """);
        }
        return result;
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                foreach (var (waiting, oldest) in (await ReadAsync()).Values)
                {
                    _maxAgeSeconds = Math.Max(_maxAgeSeconds, oldest);
                    _maxWaiting = Math.Max(_maxWaiting, waiting);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException) { }
            try { await Task.Delay(500, _stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
