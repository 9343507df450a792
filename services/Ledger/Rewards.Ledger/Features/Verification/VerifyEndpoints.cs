using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Verification;

public sealed record Violation(string Rule, Guid? AccountId, Guid? MemberId, string Detail);

public sealed record VerifyReport(bool Ok, long AccountsChecked, IReadOnlyList<Violation> Violations);

/// <summary>
/// L18: the ledger's invariants, checked over every account; and L5: every lot's remaining is what its amount less its
/// allocations (points taken, given back, voided, forfeited, paid to debt) and its expire postings leave, and its dates
/// and flags are what its activation posting (L4, L6) or the lot it was gifted or moved from (L10, L11) make them.
/// </summary>
public static class VerifyEndpoints
{
    public static void MapVerification(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ops/verify", async (LedgerVerifier verifier, CancellationToken ct) => TypedResults.Ok(await verifier.VerifyAsync(ct)))
            .WithTags("Ops: integrity").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Check L18 over all accounts and report every violation");
        app.MapGet("/ops/verify/passes", async (VerifyPasses passes, CancellationToken ct) => TypedResults.Ok(await passes.ViewAsync(ct)))
            .WithTags("Ops: integrity").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("The verify job's passes: where the current one has got to, the last completed one with its violations, the last ten");
    }
}

/// <summary>
/// Runs the checks (for GET /ops/verify and the <c>verify</c> job) and keeps the last outcome as metrics:
/// <c>rewards_ledger_verify_violations</c> and <c>rewards_ledger_verify_accounts</c>, for the alert on a broken ledger.
/// </summary>
public sealed class LedgerVerifier
{
    private readonly NpgsqlDataSource _db;
    private readonly IOptions<ProgramPolicy> _policy;
    private VerifyReport? _last;

    public LedgerVerifier(NpgsqlDataSource db, IOptions<ProgramPolicy> policy, IMeterFactory meters)
    {
        _db = db;
        _policy = policy;
        var meter = meters.Create("Rewards.Ledger");
        meter.CreateObservableGauge("rewards.ledger.verify.violations", () => Observed(r => r.Violations.Count), "{violation}",
            "Violations found by the last verification (GET /ops/verify or the verify job)");
        meter.CreateObservableGauge("rewards.ledger.verify.accounts", () => Observed(r => r.AccountsChecked), "{account}",
            "Accounts checked by the last verification");
    }

    public async Task<VerifyReport> VerifyAsync(CancellationToken ct)
    {
        var report = await CheckAsync(ct);
        _last = report;
        return report;
    }

    /// <summary>Nothing before the first verification since the process started: no figure rather than a false zero.</summary>
    private IEnumerable<Measurement<long>> Observed(Func<VerifyReport, long> value) =>
        _last is { } last ? [new Measurement<long>(value(last))] : [];

    /// <summary>A completed pass of the verify job is the latest verification too.</summary>
    public void Record(VerifyPass pass) => _last = new VerifyReport(pass.ViolationCount == 0, pass.AccountsChecked, pass.Violations);

    private async Task<VerifyReport> CheckAsync(CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var violations = await LedgerChecks.RunAsync(tx, _policy.Value, null, ct);
        var accounts = await conn.ExecuteScalarAsync<long>("select count(*) from accounts", transaction: tx);
        return new VerifyReport(violations.Count == 0, accounts, violations);
    }
}

/// <summary>
/// L18 checked continuously, so a broken ledger is noticed (metric and alert) without anybody asking: every minute the
/// job checks slices of members for up to <see cref="RunFor"/>, resuming the current pass where it stopped.
/// </summary>
public sealed class VerifyJob(VerifyPasses passes, LedgerVerifier verifier) : IClockJob
{
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(20);

    public string Name => "verify";
    public TimeSpan Interval => TimeSpan.FromMinutes(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        long accounts = 0;
        while (true)
        {
            var (checkedNow, completed) = await passes.CheckNextSliceAsync(VerifyPasses.SliceMembers, ct);
            accounts += checkedNow;
            if (completed is not null)
            {
                verifier.Record(completed);
                return new JobResult($"pass completed: {completed.AccountsChecked} accounts checked, {completed.ViolationCount} violations", accounts);
            }
            if (TimeProvider.System.GetElapsedTime(started) > RunFor) return new JobResult($"{accounts} accounts checked; the pass goes on", accounts);
        }
    }
}
