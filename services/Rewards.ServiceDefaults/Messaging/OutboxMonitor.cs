using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>How far the outbox is behind: unpublished rows and the age of the oldest, in the database's wall time.</summary>
public sealed record OutboxLag(long Unpublished, double OldestAgeSeconds);

/// <summary>
/// Watches the outbox relay: when its loop last went round, and the lag, measured by the relay every few seconds for the
/// metrics <c>rewards_outbox_unpublished</c> and <c>rewards_outbox_oldest_unpublished_age_seconds</c>, and afresh for
/// every readiness check.
/// </summary>
public sealed class OutboxMonitor
{
    public const string MeterName = "Rewards.Outbox";
    private static readonly TimeSpan MeasureEvery = TimeSpan.FromSeconds(5);
    private readonly NpgsqlDataSource _db;
    private long _lastLoop = TimeProvider.System.GetTimestamp();
    private long? _lastMeasured;
    private OutboxLag _latest = new(0, 0);
    private readonly Counter<long> _published;
    private readonly Counter<long> _points;

    public OutboxMonitor(NpgsqlDataSource db, IMeterFactory meters)
    {
        _db = db;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("rewards.outbox.unpublished", () => _latest.Unpublished, "{message}",
            "Outbox rows not yet published to the broker");
        meter.CreateObservableGauge("rewards.outbox.oldest_unpublished_age", () => _latest.OldestAgeSeconds, "s",
            "Age of the oldest outbox row not yet published");
        _published = meter.CreateCounter<long>("rewards.events.published", "{event}",
            "Events published, by type: the business facts (points earned, expired, redeemed, forfeited, orders paid …) as they leave the service");
        _points = meter.CreateCounter<long>("rewards.events.points", "{point}",
            "Points carried by the events published, by event type (PointsEarned, PointsExpired, PointsRedeemed, PointsForfeited …)");
    }

    /// <summary>Counts a published event once its row is marked (so after the commit of what it announces).</summary>
    internal void Published(string messageType, long? points)
    {
        var type = new KeyValuePair<string, object?>("event_type", messageType[(messageType.LastIndexOf('.') + 1)..]);
        _published.Add(1, type);
        if (points is { } p) _points.Add(p, type);
    }

    /// <summary>Wall time since the relay's loop last went round.</summary>
    public TimeSpan SinceLastLoop => TimeProvider.System.GetElapsedTime(Interlocked.Read(ref _lastLoop));

    internal void RelayLooped() => Interlocked.Exchange(ref _lastLoop, TimeProvider.System.GetTimestamp());

    public async Task<OutboxLag> MeasureAsync(CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        _latest = await conn.QuerySingleAsync<OutboxLag>(new CommandDefinition(
            """
            select (select count(*) from outbox_messages where published_at is null) as unpublished,
                   coalesce(extract(epoch from clock_timestamp() - (
                       select enqueued_at from outbox_messages where published_at is null order by seq limit 1)), 0)::float8 as oldest_age_seconds
            """, cancellationToken: ct));
        return _latest;
    }

    internal async Task MeasureIfDueAsync(CancellationToken ct)
    {
        if (_lastMeasured is { } last && TimeProvider.System.GetElapsedTime(last) < MeasureEvery) return;
        _lastMeasured = TimeProvider.System.GetTimestamp();
        try { await MeasureAsync(ct); }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException) { } // the relay's own pass reports the database
    }
}

/// <summary>Readiness of the outbox: Degraded or Unhealthy when events wait too long, Unhealthy when the relay has stopped.</summary>
internal sealed class OutboxHealthCheck(OutboxMonitor monitor, IOptions<OutboxOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var silentFor = monitor.SinceLastLoop;
        var stalledAfter = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, 4 * o.PollInterval.Ticks + 2 * o.PublishTimeout.Ticks));
        OutboxLag lag;
        try { lag = await monitor.MeasureAsync(cancellationToken); }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The outbox cannot be read", ex);
        }
        var data = new Dictionary<string, object>
        {
            ["unpublished"] = lag.Unpublished,
            ["oldestUnpublishedAgeSeconds"] = Math.Round(lag.OldestAgeSeconds, 1),
            ["relayLastLoopSecondsAgo"] = Math.Round(silentFor.TotalSeconds, 1),
        };
        var age = TimeSpan.FromSeconds(lag.OldestAgeSeconds);
        if (silentFor > stalledAfter)
            return HealthCheckResult.Unhealthy($"The outbox relay has not run for {silentFor.TotalSeconds:0} s", data: data);
        if (age > o.LagUnhealthyAfter)
            return HealthCheckResult.Unhealthy($"{lag.Unpublished} events unpublished, the oldest for {age.TotalSeconds:0} s", data: data);
        if (age > o.LagDegradedAfter)
            return HealthCheckResult.Degraded($"{lag.Unpublished} events unpublished, the oldest for {age.TotalSeconds:0} s", data: data);
        return HealthCheckResult.Healthy($"{lag.Unpublished} events unpublished", data);
    }
}
