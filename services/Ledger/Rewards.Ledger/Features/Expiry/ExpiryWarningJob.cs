using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Expiry;

/// <summary>
/// L6: warns members of points expiring within the warning period, once per member, channel and expiry date (UTC).
/// The unique warning row is the guard, so runs on two instances or twice in a row warn once.
/// </summary>
public sealed class ExpiryWarningJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy) : IClockJob
{
    public string Name => "expiry-warnings";
    public TimeSpan Interval => TimeSpan.FromMinutes(30);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var warned = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            with due as (
                select member_id, channel, (expires_at at time zone 'UTC')::date as expires_on, sum(remaining)::bigint as points
                from lots
                where status = 'earned' and remaining > 0 and expires_at > @now and expires_at <= @until
                group by member_id, channel, (expires_at at time zone 'UTC')::date
            ), warned as (
                insert into expiry_warnings (id, member_id, channel, expires_on, points, warned_at)
                select gen_random_uuid(), member_id, channel, expires_on, points, @now from due
                on conflict (member_id, channel, expires_on) do nothing
                returning id, member_id, channel, expires_on, points
            ), queued as (
                insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at)
                select gen_random_uuid(), 'Rewards.Contracts.Ledger.PointsExpiringSoon',
                       jsonb_build_object('warningId', id, 'memberId', member_id, 'channel', channel, 'points', points,
                                          'expiresOn', to_char(expires_on, 'YYYY-MM-DD')),
                       @now, @now
                from warned
                returning 1
            )
            select count(*) from queued
            """, new { now, until = now.AddDays(policy.Value.ExpiryWarningDays) }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (warned > 0) outbox.Flush();
        return new JobResult($"warned {warned} members", warned);
    }
}
