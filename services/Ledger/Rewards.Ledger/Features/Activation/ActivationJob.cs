using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Activation;

/// <summary>
/// L4: pending lots whose 48 h have passed become earned. The earned date is the due time, not the run time,
/// so a late run dates points the same. Lots are claimed with SKIP LOCKED and flipped in the same transaction
/// as their postings: two runs at once never activate a lot twice.
/// </summary>
public sealed class ActivationJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<LedgerPolicy> policy) : IClockJob
{
    private const int BatchSize = 500;

    public string Name => "activation";
    public TimeSpan Interval => TimeSpan.FromSeconds(30);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        long lots = 0, points = 0;
        while (true)
        {
            var (batchLots, batchPoints) = await ActivateBatchAsync(ct);
            lots += batchLots;
            points += batchPoints;
            if (batchLots < BatchSize) break;
        }
        return $"activated {lots} lots, {points} points";
    }

    private async Task<(int Lots, long Points)> ActivateBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var due = (await conn.QueryAsync<DueLot>(new CommandDefinition(
            """
            select id, member_id as MemberId, channel, amount, activate_after as ActivateAfter from lots
            where status = 'pending' and activate_after <= @now
            order by activate_after, id
            limit @limit
            for update skip locked
            """, new { now, limit = BatchSize }, tx, cancellationToken: ct))).AsList();

        foreach (var lot in due)
        {
            var accounts = await LedgerWriter.EnsureAccountsAsync(tx, lot.MemberId, lot.Channel, now, ct);
            var earnedAt = lot.ActivateAfter;
            var expiresAt = earnedAt.AddMonths(policy.Value.ExpiryMonths);
            await conn.ExecuteAsync(new CommandDefinition(
                "update lots set status = 'earned', earned_at = @earnedAt, expires_at = @expiresAt where id = @id",
                new { lot.Id, earnedAt, expiresAt }, tx, cancellationToken: ct));
            await LedgerWriter.PostAsync(tx, new LedgerEntry("activate", lot.Id.ToString(), $"activate:{lot.Id}", "system:activation",
                earnedAt, lot.Id, [new Leg(accounts.Pending, -lot.Amount, true), new Leg(accounts.Earned, lot.Amount, true)]), ct);
            await outbox.EnqueueAsync(tx, new PointsEarned
            {
                MemberId = lot.MemberId, Channel = lot.Channel, LotId = lot.Id, Points = lot.Amount, ExpiresAt = expiresAt, At = earnedAt,
            }, ct: ct);
        }
        await tx.CommitAsync(ct);
        if (due.Count > 0) outbox.Flush();
        return (due.Count, due.Sum(l => l.Amount));
    }

    private sealed record DueLot(Guid Id, Guid MemberId, string Channel, long Amount, DateTimeOffset ActivateAfter);
}
