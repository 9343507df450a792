using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Tiers;

/// <summary>M11: sets a member's grade from their paid purchases, net of refunds, over the tier window.</summary>
internal static class TierUpdates
{
    private const string SpendSql =
        """
        select coalesce(sum(paid_usd - refunded_usd), 0) from member_orders
        where member_id = @memberId and paid_at > @from
        """;

    public static async Task<bool> RecomputeAsync(NpgsqlTransaction tx, Outbox outbox, Guid memberId, ProgramPolicy rules,
        DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var current = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "select tier from members where id = @memberId and status <> 'erased' for update", new { memberId }, tx, cancellationToken: ct));
        if (current is null) return false; // not (or no longer) a member here
        var spend = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            SpendSql, new { memberId, from = now.AddMonths(-rules.TierWindowMonths) }, tx, cancellationToken: ct));
        var grade = Domain.Tiers.GradeFor(spend, rules.EffectiveTiers);
        if (grade.Name == current) return false;

        await conn.ExecuteAsync(new CommandDefinition(
            "update members set tier = @tier where id = @memberId", new { memberId, tier = grade.Name }, tx, cancellationToken: ct));
        await outbox.EnqueueAsync(tx, new MemberTierChanged
        {
            MemberId = memberId, Tier = grade.Name, PreviousTier = current, EarnMultiplier = grade.EarnMultiplier,
            SpendLast12MonthsUsd = spend, At = now,
        }, ct: ct);
        return true;
    }
}

/// <summary>M11 nightly: purchases age out of the window without any event, so every member with a grade or a recent order is re-graded.</summary>
public sealed class TierJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy) : IClockJob
{
    public string Name => "tiers";
    public TimeSpan Interval => TimeSpan.FromHours(24);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rules = policy.Value;
        var lowest = Domain.Tiers.GradeFor(0m, rules.EffectiveTiers).Name;
        await using var conn = await db.OpenConnectionAsync(ct);
        var candidates = (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            select id from members where tier <> @lowest and status <> 'erased'
            union
            select distinct member_id from member_orders where paid_at > @from
            """, new { lowest, from = now.AddMonths(-rules.TierWindowMonths - 1) }, cancellationToken: ct))).ToList();

        var changed = 0;
        foreach (var chunk in candidates.Chunk(200))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            foreach (var memberId in chunk)
            {
                if (await TierUpdates.RecomputeAsync(tx, outbox, memberId, rules, now, ct)) changed++;
            }
            await tx.CommitAsync(ct);
            outbox.Flush();
        }
        return new JobResult($"re-graded {candidates.Count} members, {changed} changed", changed);
    }
}
