using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Rewards.Ledger.Features.Verification;

/// <summary>A completed pass of the verify job over every member (the first 1,000 violations are kept).</summary>
public sealed record VerifyPass(long Id, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long AccountsChecked, int ViolationCount,
    IReadOnlyList<Violation> Violations);

/// <summary>Where the current pass has got to: members up to <see cref="CheckedUpTo"/> (in id order) are checked.</summary>
public sealed record VerifyProgress(DateTimeOffset StartedAt, Guid? CheckedUpTo, long AccountsChecked, int ViolationCount);

public sealed record VerifyPassesView(VerifyProgress? Current, VerifyPass? Last, IReadOnlyList<VerifyPass> Recent);

/// <summary>
/// L18 at any size: the verify job checks the ledger a slice of members at a time (<see cref="LedgerChecks"/> over a
/// <see cref="MemberRange"/>, each slice in its own short transaction), keeps its position in <c>verify_checkpoint</c>
/// so that a restart resumes where it stopped, and records each completed pass in <c>verify_passes</c>.
/// </summary>
public sealed class VerifyPasses(NpgsqlDataSource db, IOptions<ProgramPolicy> policy, TimeProvider clock)
{
    public const int SliceMembers = 1_000; // slices of 5,000 took 30-46 s at 10 million members (docs/benchmarks.md); this is under the 30 s command timeout
    private const int KeptViolations = 1_000;

    /// <summary>Checks the next <paramref name="members"/> members; returns the accounts checked, and the pass if this slice ended it.</summary>
    public async Task<(long Accounts, VerifyPass? Completed)> CheckNextSliceAsync(int members, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var now = clock.GetUtcNow();
        var at = await CheckpointAsync(tx, now, ct);
        var slice = (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            select distinct member_id from accounts
            where member_id is not null and (@after::uuid is null or member_id > @after) order by member_id limit @members
            """, new { after = at.AfterMember, members }, tx, cancellationToken: ct))).AsList();

        long accounts = 0;
        var found = JsonSerializer.Deserialize<List<Violation>>(at.Violations, Json)!;
        var count = at.ViolationCount;
        if (slice.Count > 0)
        {
            var range = new MemberRange(slice[0], slice[^1]);
            var violations = await LedgerChecks.RunAsync(tx, policy.Value, range, ct);
            accounts = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                "select count(*) from accounts where member_id between @First and @Last", range, tx, cancellationToken: ct));
            found.AddRange(violations.Take(KeptViolations - found.Count));
            count += violations.Count;
        }

        VerifyPass? completed = null;
        if (slice.Count < members)
        {
            var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                insert into verify_passes (started_at, ended_at, accounts_checked, violation_count, violations)
                values (@started, @now, @accounts, @count, @violations::jsonb) returning id
                """, new { started = at.PassStartedAt, now, accounts = at.AccountsChecked + accounts, count, violations = JsonSerializer.Serialize(found, Json) },
                tx, cancellationToken: ct));
            completed = new VerifyPass(id, at.PassStartedAt, now, at.AccountsChecked + accounts, count, found);
            await SaveAsync(tx, new Checkpoint(now, null, 0, 0, "[]"), ct);
        }
        else
        {
            await SaveAsync(tx, new Checkpoint(at.PassStartedAt, slice[^1], at.AccountsChecked + accounts, count, JsonSerializer.Serialize(found, Json)), ct);
        }
        await tx.CommitAsync(ct);
        return (accounts, completed);
    }

    public async Task<VerifyPassesView> ViewAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<VerifyProgress>(new CommandDefinition(
            """
            select pass_started_at as StartedAt, after_member as CheckedUpTo, accounts_checked as AccountsChecked, violation_count as ViolationCount
            from verify_checkpoint where id = 1
            """, cancellationToken: ct));
        var recent = (await conn.QueryAsync<PassRow>(
                new CommandDefinition(
                    """
                    select id, started_at as StartedAt, ended_at as EndedAt, accounts_checked as AccountsChecked,
                           violation_count as ViolationCount, violations::text as Violations
                    from verify_passes order by id desc limit 10
                    """, cancellationToken: ct)))
            .Select(p => new VerifyPass(p.Id, p.StartedAt, p.EndedAt, p.AccountsChecked, p.ViolationCount,
                JsonSerializer.Deserialize<List<Violation>>(p.Violations, Json)!)).ToList();
        return new VerifyPassesView(current, recent.FirstOrDefault(), [.. recent.Select(p => p with { Violations = [] })]);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record PassRow(long Id, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long AccountsChecked, int ViolationCount, string Violations);

    private sealed record Checkpoint(DateTimeOffset PassStartedAt, Guid? AfterMember, long AccountsChecked, int ViolationCount, string Violations);

    private static async Task<Checkpoint> CheckpointAsync(NpgsqlTransaction tx, DateTimeOffset now, CancellationToken ct)
    {
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into verify_checkpoint (id, pass_started_at, accounts_checked, violation_count, violations)
            values (1, @now, 0, 0, '[]') on conflict do nothing
            """, new { now }, tx, cancellationToken: ct));
        return await tx.Connection!.QuerySingleAsync<Checkpoint>(new CommandDefinition(
            """
            select pass_started_at as PassStartedAt, after_member as AfterMember, accounts_checked as AccountsChecked,
                   violation_count as ViolationCount, violations::text as Violations
            from verify_checkpoint where id = 1 for update
            """, transaction: tx, cancellationToken: ct));
    }

    private static Task<int> SaveAsync(NpgsqlTransaction tx, Checkpoint at, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            update verify_checkpoint set pass_started_at = @PassStartedAt, after_member = @AfterMember, accounts_checked = @AccountsChecked,
                   violation_count = @ViolationCount, violations = @Violations::jsonb
            where id = 1
            """, at, tx, cancellationToken: ct));
}
