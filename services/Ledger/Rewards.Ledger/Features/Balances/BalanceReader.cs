using System.Threading.Channels;
using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Channel = Rewards.Ledger.Domain.Channel;

namespace Rewards.Ledger.Features.Balances;

/// <summary>
/// Balance reads, the most frequent request of all, go through here: two workers, each on its own kept-open connection
/// (<see cref="WorkerConnection"/>), take whatever reads are queued and answer them with one statement (two index
/// look-ups per member, no aggregation in SQL). A lone read goes out at once; under load, reads share statements, and
/// the second worker reads while the first waits for PostgreSQL.
/// </summary>
public sealed class BalanceReader(NpgsqlDataSource db, ILogger<BalanceReader> logger) : BackgroundService
{
    private const int MaxBatch = 128;
    private const int Workers = 2;
    private readonly Channel<Read> _queue = System.Threading.Channels.Channel.CreateBounded<Read>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.Wait });

    public async Task<AccountsView> ReadAsync(Guid memberId, CancellationToken ct)
    {
        var read = new Read(memberId, new TaskCompletionSource<AccountsView>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(read, ct);
        return await read.Done.Task.WaitAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => RunAsync(stoppingToken), stoppingToken)));

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Read>(MaxBatch);
        await using var connection = new WorkerConnection(db);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var read)) batch.Add(read);
                try
                {
                    var views = await ReadWithRetryAsync(connection, [.. batch.Select(r => r.MemberId).Distinct()], stoppingToken);
                    foreach (var read in batch) read.Done.TrySetResult(views[read.MemberId]);
                }
                catch (Exception ex)
                {
                    await connection.DropAsync();
                    foreach (var read in batch) read.Done.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        while (_queue.Reader.TryRead(out var left)) left.Done.TrySetCanceled(stoppingToken);
    }

    private async Task<Dictionary<Guid, AccountsView>> ReadWithRetryAsync(WorkerConnection connection, Guid[] members, CancellationToken ct)
    {
        try
        {
            return await ReadAllAsync(await connection.OpenAsync(ct), members, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The kept connection may have been closed by the server meanwhile: once more on a new one.
            logger.LogWarning(ex, "Reading {Count} balances failed; retrying on a new connection", members.Length);
            await connection.DropAsync();
            return await ReadAllAsync(await connection.OpenAsync(ct), members, ct);
        }
    }

    private static async Task<Dictionary<Guid, AccountsView>> ReadAllAsync(NpgsqlConnection conn, Guid[] members, CancellationToken ct)
    {
        var rows = (await conn.QueryAsync<(Guid MemberId, string Channel, string Bucket, long Points, DateTimeOffset? ExpiresAt)>(new CommandDefinition(
            """
            select member_id, channel, bucket, balance, null::timestamptz from accounts where member_id = any(@members)
            union all
            select m.member_id, c.channel, 'next-expiry', e.points, e.expires_at
            from unnest(@members) m(member_id) cross join (values ('online'), ('offline')) c(channel)
            cross join lateral (
                select expires_at, sum(remaining)::bigint as points from lots
                where member_id = m.member_id and channel = c.channel and status = 'earned' and remaining > 0
                group by expires_at order by expires_at limit 1
            ) e
            """, new { members }, cancellationToken: ct))).ToLookup(r => r.MemberId);
        return members.ToDictionary(m => m, m => View(m, [.. rows[m].Select(r => (r.Channel, r.Bucket, r.Points, r.ExpiresAt))]));
    }

    /// <summary>Held points are still the member's until the order is paid; they are not spendable.</summary>
    private static AccountsView View(Guid memberId, List<(string Channel, string Bucket, long Points, DateTimeOffset? ExpiresAt)> rows) =>
        new(memberId, [.. Channel.All.Select(channel =>
        {
            long Sum(string bucket) => rows.Where(r => r.Channel == channel && r.Bucket == bucket).Sum(r => r.Points);
            var (earned, held) = (Sum(Buckets.Earned), Sum(Buckets.Held));
            var next = rows.FirstOrDefault(r => r.Channel == channel && r.ExpiresAt is not null);
            return new ChannelBalance(channel, earned + held, Math.Max(0, earned), Sum(Buckets.Pending), held,
                next.ExpiresAt is { } at ? new NextExpiry(at, next.Points) : null);
        })]);

    private sealed record Read(Guid MemberId, TaskCompletionSource<AccountsView> Done);
}
