using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>What the Ledger tells Prometheus: the verification's outcome, the events it published and the points they carry, hold answers.</summary>
public sealed class Ledger_metrics(LedgerService service) : IClassFixture<LedgerService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LedgerApi _api = new(service.Host);

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_verify_the_ledger_on_schedule_and_serve_the_violations_the_alert_watches()
    {
        await _api.SetClockAsync(DateTimeOffset.UtcNow);
        await _api.PurchasePointsAsync(Guid.NewGuid(), 500); // a member for the pass to check
        using var ops = _api.Ops();
        var run = await (await ops.PostAsync("/ops/jobs/verify/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(run.GetProperty("succeeded").GetBoolean());
        Assert.EndsWith("accounts checked, 0 violations", run.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.True(run.GetProperty("rows").GetInt64() > 0, "the accounts checked are the rows the run touched");

        var metrics = "";
        Assert.True(await Eventually.TrueAsync(async () =>
            (metrics = await ops.GetStringAsync("/metrics", Ct)).Split('\n').Any(l => l.StartsWith("rewards_ledger_verify_violations", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20)), "rewards_ledger_verify_violations is served");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_ledger_verify_violations", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_ledger_verify_accounts", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_jobs_rows_total{", StringComparison.Ordinal) && l.Contains("clock_job=\"verify\"", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Rule", "L9")]
    public async Task Should_count_published_events_with_their_points_and_hold_answers_by_outcome()
    {
        await _api.SetClockAsync(DateTimeOffset.UtcNow);
        var memberId = Guid.NewGuid();
        await _api.PromotionPointsAsync(memberId, 500, DateTimeOffset.UtcNow.AddMonths(6));
        Assert.IsType<Rewards.Contracts.Ledger.PointsHeld>(await _api.HoldAsync(Guid.NewGuid(), memberId, 100));
        Assert.IsType<Rewards.Contracts.Ledger.PointsHoldRefused>(await _api.HoldAsync(Guid.NewGuid(), memberId, 10_000));

        using var ops = _api.Ops();
        string[] lines = [];
        bool Has(string name, params string[] labels) =>
            lines.Any(l => l.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(x => l.Contains(x, StringComparison.Ordinal)));
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            lines = (await ops.GetStringAsync("/metrics", Ct)).Split('\n');
            return Has("rewards_events_published_total", "event_type=\"PointsEarned\"")
                && Has("rewards_events_points_total", "event_type=\"PointsEarned\"")
                && Has("rewards_ledger_hold_answers_total", "outcome=\"held\"")
                && Has("rewards_ledger_hold_answers_total", "outcome=\"refused\"", "reason=\"insufficient-points\"");
        }, TimeSpan.FromSeconds(20)), string.Join("\n", lines.Where(l => l.StartsWith("rewards_", StringComparison.Ordinal))));
        var earned = lines.Single(l => l.StartsWith("rewards_events_points_total{", StringComparison.Ordinal) && l.Contains("event_type=\"PointsEarned\"", StringComparison.Ordinal));
        Assert.True(long.Parse(earned[(earned.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 500, earned);
    }
}
