using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>L18 checked by the verify job, with its outcome on /metrics for the alert on a ledger that does not balance.</summary>
public sealed class Verification_schedule(LedgerService service) : IClassFixture<LedgerService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LedgerApi _api = new(service.Host);

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_verify_the_ledger_on_schedule_and_serve_the_violations_the_alert_watches()
    {
        using var ops = _api.Ops();
        var run = await (await ops.PostAsync("/ops/jobs/verify/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(run.GetProperty("succeeded").GetBoolean());
        Assert.EndsWith("accounts checked, 0 violations", run.GetProperty("result").GetString(), StringComparison.Ordinal);

        var metrics = "";
        Assert.True(await Eventually.TrueAsync(async () =>
            (metrics = await ops.GetStringAsync("/metrics", Ct)).Split('\n').Any(l => l.StartsWith("rewards_ledger_verify_violations", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20)), "rewards_ledger_verify_violations is served");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_ledger_verify_violations", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_ledger_verify_accounts", StringComparison.Ordinal));
    }
}
