using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Rewards.ServiceDefaults.Telemetry;

/// <summary>
/// Each health check's latest status as the metric <c>rewards_health_status{check}</c> (2 Healthy, 1 Degraded,
/// 0 Unhealthy), so Prometheus can alert on readiness without probing it: the health check service runs the checks
/// in the background (every 30 s) and hands the report to this publisher.
/// </summary>
internal sealed class HealthMetrics : IHealthCheckPublisher
{
    public const string MeterName = "Rewards.Health";
    private volatile HealthReport? _latest;

    public HealthMetrics(IMeterFactory meters) =>
        meters.Create(MeterName).CreateObservableGauge("rewards.health.status", Observe, null,
            "Latest status of each health check: 2 Healthy, 1 Degraded, 0 Unhealthy");

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        _latest = report;
        return Task.CompletedTask;
    }

    private IEnumerable<Measurement<int>> Observe() =>
        _latest?.Entries.Select(e => new Measurement<int>((int)e.Value.Status, new KeyValuePair<string, object?>("check", e.Key))) ?? [];
}
