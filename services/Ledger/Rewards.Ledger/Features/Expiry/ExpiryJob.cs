using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Expiry;

/// <summary>
/// L6: earned lots past their expiry date lose what is left to breakage. Set-based, in chunks of members: one read
/// splits the members with due lots into ranges of about <see cref="ChunkLots"/> lots; each range is one transaction
/// that locks the ranges' earned accounts in id order (as every writer of lots does), takes their due lots through
/// the member index, posts one member posting per lot (dated at the expiry, keyed by lot id, so the database refuses
/// a second one) and one breakage posting for the chunk, zeroes the lots and queues one PointsExpired per member and
/// channel. Disjoint ranges run on <see cref="Workers"/> connections at once. Two runs at once serialise on the
/// account locks; the second finds the lots already expired.
/// </summary>
public sealed class ExpiryJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock) : IClockJob
{
    private const int ChunkLots = 25_000;
    private const int Workers = 2;

    public string Name => "expiry";
    public TimeSpan Interval => TimeSpan.FromMinutes(5);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        long lots = 0, points = 0;
        await Parallel.ForEachAsync(await ChunksAsync(now, ct), new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = ct },
            async (chunk, token) =>
            {
                var (chunkLots, chunkPoints) = await ExpireChunkAsync(chunk.From, chunk.To, now, token);
                Interlocked.Add(ref lots, chunkLots);
                Interlocked.Add(ref points, chunkPoints);
            });
        if (lots > 0) outbox.Flush();
        return new JobResult($"expired {lots} lots, {points} points", lots);
    }

    /// <summary>Ranges of member ids (inclusive) with about <see cref="ChunkLots"/> due lots each; a member is never split.</summary>
    private async Task<List<(Guid From, Guid To)>> ChunksAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return [.. await conn.QueryAsync<(Guid, Guid)>(new CommandDefinition(
            """
            select (array_agg(member_id order by member_id))[1], (array_agg(member_id order by member_id desc))[1]
            from (select member_id, ((sum(n) over (order by member_id))::bigint - 1) / @chunk as chunk
                  from (select member_id, count(*) as n from lots
                        where status = 'earned' and remaining > 0 and expires_at <= @now group by member_id) due) numbered
            group by chunk order by 1
            """, new { now, chunk = ChunkLots }, commandTimeout: 600, cancellationToken: ct))];
    }

    private async Task<(long Lots, long Points)> ExpireChunkAsync(Guid from, Guid to, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Every writer of lots holds their member's account locks, taken in id order; so does this job. Under them the
        // lots are stable, so what is selected next is what gets expired.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            select count(*) from (
                select id from accounts where member_id between @from and @to and bucket = 'earned' order by id for update) locked;

            create temp table expiring (
                lot_id uuid primary key, member_id uuid not null, channel text not null,
                account_id uuid not null, remaining bigint not null, expires_at timestamptz not null) on commit drop;
            insert into expiring
            select l.id, l.member_id, l.channel, a.id, l.remaining, l.expires_at
            from lots l join accounts a on a.member_id = l.member_id and a.channel = l.channel and a.bucket = 'earned'
            where l.member_id between @from and @to and a.member_id between @from and @to
              and l.status = 'earned' and l.remaining > 0 and l.expires_at <= @now;
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

            -- The breakage side of the whole chunk is one posting: the chunk is one balanced ledger transaction.
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
            """, new { from, to, now, breakage = SystemAccounts.Breakage, transactionId = Guid.CreateVersion7() }, tx,
            commandTimeout: 600, cancellationToken: ct));
        var result = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "select count(*), coalesce(sum(remaining), 0)::bigint from expiring", transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return result;
    }
}
