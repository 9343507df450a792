using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Activation;

/// <summary>
/// L4: pending lots whose 48 h have passed become earned. The earned date is the due time, not the run time,
/// so a late run dates points the same. Each batch locks the accounts of its lots, then re-reads the lots: two runs
/// at once never activate a lot twice.
/// </summary>
public sealed class ActivationJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy) : IClockJob
{
    private const int BatchSize = 500;

    public string Name => "activation";
    public TimeSpan Interval => TimeSpan.FromSeconds(30);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        long lots = 0, points = 0;
        while (true)
        {
            var (batchLots, batchPoints) = await ActivateBatchAsync(ct);
            lots += batchLots;
            points += batchPoints;
            if (batchLots < BatchSize) break;
        }
        return new JobResult($"activated {lots} lots, {points} points", lots);
    }

    private async Task<(int Lots, long Points)> ActivateBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var due = (await conn.QueryAsync<(Guid Id, Guid MemberId, string Channel)>(new CommandDefinition(
            """
            select id, member_id, channel from lots
            where status = 'pending' and activate_after <= @now
            order by activate_after, id
            limit @limit
            """, new { now, limit = BatchSize }, tx, cancellationToken: ct))).AsList();
        if (due.Count == 0) return (0, 0);

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync(due.Select(l => (l.MemberId, l.Channel)), ct);
        // Under the account locks the lots are stable; one another run has activated meanwhile is no longer pending.
        var lots = await session.LotsByIdAsync(due.Select(l => l.Id), ct);
        long points = 0;
        foreach (var lot in lots.Values.Where(l => l.Status == "pending" && l.ActivateAfter <= now))
        {
            points += Activate(session, lot);
        }
        await session.SaveAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Flush();
        return (due.Count, points);
    }

    /// <summary>
    /// Moves the lot's points from pending to earned, dated at the due time. A negative balance is paid down first
    /// (L8): the lot keeps only what is left.
    /// </summary>
    private long Activate(LedgerSession session, LotRow lot)
    {
        var book = session.Book(lot.MemberId, lot.Channel);
        var earnedAt = lot.ActivateAfter!.Value;
        var points = lot.Remaining;
        var (paysDebt, _) = PointsRules.SplitCredit(book.Earned.Balance, points);
        lot.Status = "earned";
        lot.EarnedAt = earnedAt;
        lot.ExpiresAt = earnedAt.AddMonths(policy.Value.ExpiryMonths);
        lot.Remaining = points - paysDebt;
        session.Changed(lot);
        if (points > 0)
        {
            var transactionId = session.Post(Entry.Activate(lot, earnedAt),
                Leg.Of(book.Pending, -points), Leg.Of(book.Earned, points));
            session.Record(lot, paysDebt, transactionId, "debt-paydown");
            session.Publish(new PointsEarned
            {
                MemberId = lot.MemberId, Channel = lot.Channel, LotId = lot.Id, Points = points, ExpiresAt = lot.ExpiresAt.Value, At = earnedAt,
            });
        }
        return points;
    }
}
