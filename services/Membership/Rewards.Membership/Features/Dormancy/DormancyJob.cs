using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Features.Standing;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Dormancy;

/// <summary>
/// M5 and the end of M7's grace period, in clock order: warn members nearing dormancy, make members dormant after
/// <see cref="ProgramPolicy.DormancyDays"/> without login, erase members dormant for a further
/// <see cref="ProgramPolicy.ErasureAfterDormantDays"/>, and erase withdrawn members whose grace period is over.
/// Each step claims its rows with SKIP LOCKED and changes them so they no longer qualify, so runs may overlap.
/// </summary>
public sealed class DormancyJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy) : IClockJob
{
    private const int BatchSize = 500;

    public string Name => "dormancy";
    public TimeSpan Interval => TimeSpan.FromMinutes(15);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rules = policy.Value;
        var warned = await RepeatAsync(tx => WarnAsync(tx, now, rules, ct), ct);
        var dormant = await RepeatAsync(tx => MakeDormantAsync(tx, now, rules, ct), ct);
        var erasedDormant = await RepeatAsync(tx => EraseAsync(tx, now, rules.IdentityHashKey, "dormancy",
            "status = 'dormant' and dormant_since <= @cutoff", now.AddDays(-rules.ErasureAfterDormantDays), ct), ct);
        var erasedWithdrawn = await RepeatAsync(tx => EraseAsync(tx, now, rules.IdentityHashKey, "withdrawal",
            "status = 'withdrawn' and grace_ends_at <= @cutoff", now, ct), ct);
        return new JobResult($"warned {warned}, made dormant {dormant}, erased {erasedDormant} dormant and {erasedWithdrawn} withdrawn members",
            warned + dormant + erasedDormant + erasedWithdrawn);
    }

    /// <summary>Runs one batch per transaction until a batch comes back short.</summary>
    private async Task<int> RepeatAsync(Func<NpgsqlTransaction, Task<int>> batch, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var done = await batch(tx);
            await tx.CommitAsync(ct);
            outbox.Flush();
            total += done;
            if (done < BatchSize) return total;
        }
    }

    private async Task<int> WarnAsync(NpgsqlTransaction tx, DateTimeOffset now, ProgramPolicy rules, CancellationToken ct)
    {
        // One warning per period of inactivity: the warning remembers the last activity it was for, and a login resets it.
        var rows = (await tx.Connection!.QueryAsync<(Guid Id, DateTimeOffset LastActivity)>(new CommandDefinition(
            """
            with due as (
                select id, coalesce(last_login_at, registered_at) as last_activity from members
                where status = 'active'
                  and coalesce(last_login_at, registered_at) <= @warnFrom and coalesce(last_login_at, registered_at) > @dormantFrom
                  and dormancy_warned_for is distinct from coalesce(last_login_at, registered_at)
                order by coalesce(last_login_at, registered_at) limit @BatchSize for update skip locked)
            update members m set dormancy_warned_for = due.last_activity from due where m.id = due.id
            returning m.id, due.last_activity
            """,
            new { warnFrom = now.AddDays(-(rules.DormancyDays - rules.DormancyWarningDays)), dormantFrom = now.AddDays(-rules.DormancyDays), BatchSize },
            tx, cancellationToken: ct))).ToList();
        await outbox.EnqueueManyAsync(tx, [.. rows.Select(r => (object)new MemberDormancyWarning
        {
            WarningId = Guid.CreateVersion7(), MemberId = r.Id, LastActivityAt = r.LastActivity, DormantAt = r.LastActivity.AddDays(rules.DormancyDays),
        })], ct);
        return rows.Count;
    }

    private async Task<int> MakeDormantAsync(NpgsqlTransaction tx, DateTimeOffset now, ProgramPolicy rules, CancellationToken ct)
    {
        // Dated when it became due, not when the job noticed, so the erasure date does not drift with the schedule.
        var rows = (await tx.Connection!.QueryAsync<(Guid Id, DateTimeOffset DormantSince)>(new CommandDefinition(
            """
            with due as (
                select id, coalesce(last_login_at, registered_at) + make_interval(days => @DormancyDays) as dormant_since from members
                where status = 'active' and coalesce(last_login_at, registered_at) <= @dormantFrom
                order by coalesce(last_login_at, registered_at) limit @BatchSize for update skip locked),
            changed as (
                update members m set status = 'dormant', dormant_since = due.dormant_since from due where m.id = due.id
                returning m.id, due.dormant_since)
            insert into member_audit (member_id, action, reason, actor, at)
            select id, 'dormant', 'no login for ' || @DormancyDays || ' days', 'system:dormancy', dormant_since from changed
            returning member_id, at
            """,
            new { rules.DormancyDays, dormantFrom = now.AddDays(-rules.DormancyDays), BatchSize }, tx, cancellationToken: ct))).ToList();
        await outbox.EnqueueManyAsync(tx, [.. rows.Select(r => (object)new MemberWentDormant
        {
            DormancyId = Guid.CreateVersion7(), MemberId = r.Id, At = r.DormantSince, ErasureAt = r.DormantSince.AddDays(rules.ErasureAfterDormantDays),
        })], ct);
        return rows.Count;
    }

    private async Task<int> EraseAsync(NpgsqlTransaction tx, DateTimeOffset now, string hashKey, string why, string condition,
        DateTimeOffset cutoff, CancellationToken ct)
    {
        var due = (await tx.Connection!.QueryAsync<Guid>(new CommandDefinition(
            $"select id from members where {condition} order by id limit @BatchSize for update skip locked",
            new { cutoff, BatchSize }, tx, cancellationToken: ct))).ToList();
        foreach (var memberId in due) await Erasure.EraseAsync(tx, outbox, memberId, hashKey, why, now, ct);
        return due.Count;
    }
}
