using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>
/// Ops see every run of a clock job — scheduled or started by them — with its start and end on the service's clock,
/// duration, outcome and who started it, and the history survives a restart of the service.
/// </summary>
public sealed class Job_history : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private ServiceHost<ProgramPolicy> _host = null!;
    private string _vhost = "";

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestServers.CreateVirtualHostAsync("jobs");
        _host = await ServiceHost<ProgramPolicy>.StartAsync("Orders", _vhost);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Should_record_each_run_with_its_outcome_and_keep_the_history_across_a_restart()
    {
        var at = new DateTimeOffset(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);
        await _host.SetClockAsync(at);
        using (var ops = _host.ClientWithToken(TestTokens.Ops()))
        {
            var run = await (await ops.PostAsync("/ops/jobs/payment-timeouts/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(run.GetProperty("succeeded").GetBoolean());
            Assert.Equal("expired 0 unpaid orders", run.GetProperty("result").GetString());
            Assert.True(run.GetProperty("startedAt").GetDateTimeOffset() >= at, "the start is on the service's clock");
            Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/ops/jobs/no-such-job/runs", Ct)).StatusCode);
        }

        // A restart on the same database: the run is still there, with its end, duration and who started it.
        var connectionString = _host.ConnectionString;
        await _host.DisposeAsync();
        _host = await ServiceHost<ProgramPolicy>.StartAsync("Orders", _vhost, new Dictionary<string, string?> { ["ConnectionStrings:Orders"] = connectionString });
        using var opsAgain = _host.ClientWithToken(TestTokens.Ops());

        var history = (await opsAgain.GetFromJsonAsync<JsonElement[]>("/ops/jobs/payment-timeouts/runs", Ct))!;
        var byOps = Assert.Single(history, r => r.GetProperty("startedBy").GetString()!.StartsWith("ops:", StringComparison.Ordinal));
        Assert.Equal("expired 0 unpaid orders", byOps.GetProperty("result").GetString());
        Assert.True(byOps.GetProperty("endedAt").GetDateTimeOffset() >= byOps.GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(byOps.GetProperty("durationMs").GetDouble() >= 0);
        Assert.False(string.IsNullOrEmpty(byOps.GetProperty("instance").GetString()));

        var jobs = (await opsAgain.GetFromJsonAsync<JsonElement[]>("/ops/jobs", Ct))!;
        var timeouts = Assert.Single(jobs, j => j.GetProperty("name").GetString() == "payment-timeouts");
        Assert.Equal(history[0].GetProperty("startedAt").GetDateTimeOffset(), timeouts.GetProperty("lastRunAt").GetDateTimeOffset());
        Assert.True(timeouts.GetProperty("lastSucceeded").GetBoolean());
        Assert.Contains(jobs, j => j.GetProperty("name").GetString() == "job-history-cleanup");
    }
}
