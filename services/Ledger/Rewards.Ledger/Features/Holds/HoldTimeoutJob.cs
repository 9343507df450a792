using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Holds;

/// <summary>L9: holds not committed within 30 minutes are released. Each batch locks its members' accounts and re-reads the holds.</summary>
public sealed class HoldTimeoutJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock) : IClockJob
{
    private const int BatchSize = 200;

    public string Name => "hold-timeouts";
    public TimeSpan Interval => TimeSpan.FromSeconds(30);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var released = 0;
        while (true)
        {
            var (due, done) = await ReleaseBatchAsync(ct);
            released += done;
            if (due < BatchSize) break;
        }
        return new JobResult($"released {released} holds", released);
    }

    private async Task<(int Due, int Released)> ReleaseBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var due = (await conn.QueryAsync<(Guid Id, Guid MemberId, string Channel)>(new CommandDefinition(
            "select id, member_id, channel from holds where status = 'open' and expires_at <= @now order by expires_at limit @limit",
            new { now, limit = BatchSize }, tx, cancellationToken: ct))).AsList();
        if (due.Count == 0) return (0, 0);

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync(due.Select(h => (h.MemberId, h.Channel)), ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var released = 0;
        foreach (var id in due.Select(h => h.Id))
        {
            var hold = await CheckoutHolds.FindAsync(session, id, ct);
            if (hold is not { Status: "open" } || hold.ExpiresAt > now) continue;
            await CheckoutHolds.ReleaseAsync(session, hold, "timeout", ct);
            released++;
        }
        await session.SaveAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Flush();
        return (due.Count, released);
    }
}
