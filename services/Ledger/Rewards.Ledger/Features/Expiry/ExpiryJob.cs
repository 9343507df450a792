using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Expiry;

/// <summary>
/// L6: earned lots past their expiry date lose what is left to breakage. Set-based, in batches: one transaction
/// selects a batch of due lots, locks their accounts in id order (as every writer does), re-checks the lots, posts one
/// member posting per lot (dated at the expiry, keyed by lot id, so the database refuses a second one) and one breakage
/// posting for the batch, zeroes the lots and queues one PointsExpired event per member and channel. Two runs at once
/// serialise on the account locks; the second finds the lots already expired. Members are split into disjoint
/// partitions worked on concurrently, so a run uses more than one core of the database.
/// </summary>
public sealed class ExpiryJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock) : IClockJob
{
    private const int BatchSize = 50_000;

    public string Name => "expiry";
    public TimeSpan Interval => TimeSpan.FromMinutes(5);

    /// <summary>Members are split into this many disjoint partitions, expired concurrently on as many connections.</summary>
    private const int Partitions = 2;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, Partitions).Select(part => ExpirePartitionAsync(part, ct)));
        var (lots, points) = (results.Sum(r => r.Lots), results.Sum(r => r.Points));
        if (lots > 0) outbox.Flush();
        return $"expired {lots} lots, {points} points";
    }

    private async Task<(long Lots, long Points)> ExpirePartitionAsync(int part, CancellationToken ct)
    {
        long lots = 0, points = 0;
        // Each batch continues after the last lot of the one before: the lots it expired still have index entries
        // (dead until vacuum), and walking them again on every batch would make a run quadratic.
        (DateTimeOffset ExpiresAt, Guid Id) after = (DateTimeOffset.MinValue, Guid.Empty);
        while (true)
        {
            var (claimed, last, batchLots, batchPoints) = await ExpireBatchAsync(part, after, ct);
            lots += batchLots;
            points += batchPoints;
            if (claimed < BatchSize) return (lots, points);
            after = last;
        }
    }

    private async Task<(long Claimed, (DateTimeOffset, Guid) Last, long Lots, long Points)> ExpireBatchAsync(
        int part, (DateTimeOffset ExpiresAt, Guid Id) after, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var claimed = await conn.ExecuteAsync(new CommandDefinition(
            """
            create temp table expiring (
                lot_id uuid primary key, member_id uuid not null, channel text not null,
                account_id uuid not null, remaining bigint not null, expires_at timestamptz not null) on commit drop;
            insert into expiring
            select l.id, l.member_id, l.channel, a.id, l.remaining, l.expires_at
            from lots l join accounts a on a.member_id = l.member_id and a.channel = l.channel and a.bucket = 'earned'
            where l.status = 'earned' and l.remaining > 0 and l.expires_at <= @now
              and (l.expires_at, l.id) > (@afterAt, @afterId)
              and mod(abs(hashtext(l.member_id::text)), @partitions) = @part
            order by l.expires_at, l.id
            limit @batch;
            """, new { now, batch = BatchSize, partitions = Partitions, part, afterAt = after.ExpiresAt, afterId = after.Id }, tx, cancellationToken: ct));
        if (claimed == 0) return (0, after, 0, 0);
        var last = await conn.QuerySingleAsync<(DateTimeOffset, Guid)>(new CommandDefinition(
            "select expires_at, lot_id from expiring order by expires_at desc, lot_id desc limit 1", transaction: tx, cancellationToken: ct));

        // Every writer of lots holds their member's account locks, taken in id order; so does this job. Under them the
        // lots are stable: drop or correct what another writer (or another run) changed since the selection.
        await conn.ExecuteAsync(new CommandDefinition(
            "select count(*) from (select id from accounts where id in (select account_id from expiring) order by id for update) locked",
            transaction: tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            """
            with current as (select e.lot_id, l.remaining, l.status = 'earned' as earned from expiring e join lots l on l.id = e.lot_id),
                 gone as (delete from expiring e using current c where c.lot_id = e.lot_id and (not c.earned or c.remaining = 0))
            update expiring e set remaining = c.remaining from current c
            where c.lot_id = e.lot_id and c.earned and c.remaining > 0 and c.remaining <> e.remaining;
            analyze expiring;

            with per_account as (
                select account_id, sum(remaining) as total, count(*) as n from expiring group by account_id
            ), updated as (
                update accounts a set balance = a.balance - p.total, last_seq = a.last_seq + p.n
                from per_account p where a.id = p.account_id
                returning a.id, a.balance + p.total as old_balance, a.last_seq - p.n as old_seq
            )
            insert into postings (transaction_id, account_id, seq, kind, amount, balance_after, effective_at,
                                  reference, idempotency_key, caused_by, lot_id)
            select @transactionId, e.account_id, u.old_seq + row_number() over w, 'expire', -e.remaining,
                   u.old_balance - sum(e.remaining) over w, e.expires_at, e.lot_id::text, 'expire:' || e.lot_id, 'system:expiry', e.lot_id
            from expiring e join updated u on u.id = e.account_id
            window w as (partition by e.account_id order by e.expires_at, e.lot_id rows between unbounded preceding and current row);

            -- The breakage side of the whole batch is one posting: the batch is one balanced ledger transaction.
            insert into postings (transaction_id, account_id, seq, kind, amount, balance_after, effective_at,
                                  reference, idempotency_key, caused_by, lot_id)
            select @transactionId, @breakage, null, 'expire', sum(remaining), null, @now,
                   'expiry-run', 'expire-batch:' || @transactionId, 'system:expiry', null
            from expiring having count(*) > 0;

            update lots set remaining = 0, status = 'expired' from expiring e where lots.id = e.lot_id;

            insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at)
            select uuid_v7(), 'Rewards.Contracts.Ledger.PointsExpired',
                   jsonb_build_object('memberId', member_id, 'channel', channel, 'points', sum(remaining),
                                      'lotIds', jsonb_agg(lot_id order by lot_id), 'at', max(expires_at)),
                   @now, @now
            from expiring group by member_id, channel;
            """, new { now, breakage = SystemAccounts.Breakage, transactionId = Guid.CreateVersion7() }, tx, cancellationToken: ct));
        var (lots, points) = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "select count(*), coalesce(sum(remaining), 0)::bigint from expiring", transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (claimed, last, lots, points);
    }
}
