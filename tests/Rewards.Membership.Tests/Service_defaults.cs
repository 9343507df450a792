using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using System.Net.Http.Json;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

public sealed class MembershipWithoutClockControl : IAsyncLifetime
{
    public ServiceHost<ProgramPolicy> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<ProgramPolicy>.StartAsync("Membership", await TestServers.CreateVirtualHostAsync("defaults"),
            new Dictionary<string, string?>
            {
                ["Testing:ClockControl"] = "false",
                ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
            });

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>What every service gets from Rewards.ServiceDefaults, seen through Membership.</summary>
public sealed class Service_defaults(MembershipWithoutClockControl service) : IClassFixture<MembershipWithoutClockControl>
{
    [Fact]
    public async Task Should_report_ready_with_database_and_broker_and_serve_metrics_and_openapi()
    {
        using var client = service.Host.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        var live = await client.GetAsync("/health/live", ct);
        var ready = await client.GetAsync("/health/ready", ct);
        await client.GetAsync("/members/me", ct);
        var metrics = await client.GetStringAsync("/metrics", ct);
        var openApi = await client.GetStringAsync("/openapi/v1.json", ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct));
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["database"]);
        Assert.Equal("Healthy", checks["outbox"]);
        Assert.Contains(checks, c => c.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase) && c.Value == "Healthy");
        Assert.Contains("http_server_request_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("rewards_outbox_unpublished", metrics, StringComparison.Ordinal);
        Assert.Contains("rewards_outbox_oldest_unpublished_age_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("\"/members\"", openApi, StringComparison.Ordinal);
    }

    /// <summary>The alert rules in deploy/prometheus/alerts.yml name the service metrics they watch; each must exist.</summary>
    [Fact]
    public async Task Should_serve_every_service_metric_the_alert_rules_use()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Rewards.sln"))) root = root.Parent!;
        var rules = await File.ReadAllTextAsync(Path.Combine(root.FullName, "deploy/prometheus/alerts.yml"), ct);
        // Every service's metrics; the Ledger's own (rewards_ledger_…) are checked by the Ledger's tests.
        var used = System.Text.RegularExpressions.Regex.Matches(rules, @"\brewards_[a-z_]+").Select(m => m.Value)
            .Where(m => !m.StartsWith("rewards_ledger_", StringComparison.Ordinal)).ToHashSet();
        Assert.Superset(new HashSet<string> { "rewards_outbox_oldest_unpublished_age_seconds", "rewards_jobs_runs_total", "rewards_health_status" }, used);

        using var ops = service.Host.ClientWithToken(TestTokens.Ops());
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsync("/ops/jobs/idempotency-cleanup/run", null, ct)).StatusCode);
        var metrics = "";
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            metrics = await ops.GetStringAsync("/metrics", ct);
            return used.All(name => metrics.Contains(name + "{", StringComparison.Ordinal) || metrics.Contains(name + " ", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(20)), $"missing from /metrics: {string.Join(", ", used.Where(n => !metrics.Contains(n, StringComparison.Ordinal)))}");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_jobs_runs_total{", StringComparison.Ordinal)
            && l.Contains("clock_job=\"idempotency-cleanup\"", StringComparison.Ordinal) && l.Contains("outcome=\"succeeded\"", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("rewards_health_status{", StringComparison.Ordinal)
            && l.Contains("check=\"database\"", StringComparison.Ordinal) && l.Contains("} 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_log_a_request_with_a_malformed_body_as_the_400_its_client_got()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = service.Host.CreateClient();
        using var body = new StringContent("{\"email\": ", System.Text.Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/members", body, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        List<string> Lines() => [.. service.Host.Logs.Lines.Where(l => l.Contains("\"POST\" \"/members\"", StringComparison.Ordinal))];
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(Lines().Any(l => l.Contains(" responded 400", StringComparison.Ordinal)))));
        Assert.DoesNotContain(Lines(), l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("responded 500", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_log_a_request_with_the_trace_id_of_its_traceparent_header_or_a_new_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var client = service.Host.CreateClient();
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        traced.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        await client.SendAsync(traced, ct);
        await client.GetAsync("/health/ready", ct);

        // The request log line is written once the response has gone out, so it may come a moment after it.
        List<string> Requests() => [.. service.Host.Logs.Lines.Where(l => l.Contains(" responded ", StringComparison.Ordinal))];
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(
            Requests().Any(l => l.Contains("/health/live", StringComparison.Ordinal)) && Requests().Any(l => l.Contains("/health/ready", StringComparison.Ordinal)))));
        var requests = Requests();
        Assert.Contains(requests, l => l.Contains("/health/live", StringComparison.Ordinal) && l.Contains($"TraceId={traceId}", StringComparison.Ordinal));
        Assert.Contains(requests, l => l.Contains("/health/ready", StringComparison.Ordinal) && !l.Contains("TraceId= ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_not_offer_the_test_clock_unless_configured()
    {
        using var client = service.Host.CreateClient();

        var get = await client.GetAsync("/_test/clock", TestContext.Current.CancellationToken);
        var put = await client.PutAsJsonAsync("/_test/clock", new { now = "2030-01-01T00:00:00Z" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
    }

    [Fact]
    public async Task Should_answer_unauthenticated_and_forbidden_calls_with_problem_details()
    {
        using var anonymous = service.Host.CreateClient();
        using var member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "x@example.com"));

        var unauthorized = await anonymous.GetAsync("/members/me", TestContext.Current.CancellationToken);
        var forbidden = await member.GetAsync("/ops/jobs", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Should_refuse_to_start_in_production_with_the_test_clock_enabled()
    {
        var settings = new Dictionary<string, string?> { ["Testing:ClockControl"] = "true" };
        using var host = new ProductionHost(settings);

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("ClockControl", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class ProductionHost(IReadOnlyDictionary<string, string?> settings)
        : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<ProgramPolicy>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }
}
