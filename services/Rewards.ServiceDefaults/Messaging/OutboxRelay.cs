using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Rewards.ServiceDefaults.Messaging;

public sealed class OutboxOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
    public int BatchSize { get; set; } = 200;
    /// <summary>Back-off ceiling of a row that cannot be published as it is (unknown type, unreadable body).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Back-off ceiling while the broker does not take messages: short, so the backlog drains soon after it is back.</summary>
    public TimeSpan BrokerBackoff { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>A publish not confirmed by then counts as failed; the row is published again later with the same MessageId.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Readiness is Degraded when the oldest unpublished row is older than this …</summary>
    public TimeSpan LagDegradedAfter { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>… and Unhealthy when it is older than this.</summary>
    public TimeSpan LagUnhealthyAfter { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Publishes unpublished outbox rows to RabbitMQ with the row's id as the MassTransit MessageId, then marks them.
/// At-least-once: a crash between publish and mark publishes the row again with the same MessageId, and the
/// receiving inbox ignores the repeat. Rows are claimed with SKIP LOCKED, so several instances can run at once.
/// Rows of one batch are published concurrently, so a batch costs about one confirm round trip.
/// It cannot stall: every publish has a deadline (a confirm lost with a dropped connection would otherwise be awaited
/// for ever), a failed pass is logged and followed by the next, and every pass reads the unpublished rows afresh.
/// A row that cannot be published as it is backs off exponentially up to <see cref="OutboxOptions.MaxBackoff"/>; while
/// the broker refuses, rows back off only up to <see cref="OutboxOptions.BrokerBackoff"/>.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource db,
    IBus bus,
    TimeProvider clock,
    WakeSignal signal,
    OutboxMonitor monitor,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly TimeSpan FullScanInterval = TimeSpan.FromSeconds(5);
    private long _scanFrom;
    private long? _lastFullScan; // a wall-time timestamp: the scan rhythm must not follow the (test) business clock
    private int _failedPasses;

    private static readonly Dictionary<string, Type> MessageTypes = typeof(Contracts.Membership.MemberRegistered).Assembly
        .GetTypes().Where(t => t.FullName is not null).ToDictionary(t => t.FullName!);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            var wait = options.Value.PollInterval;
            try
            {
                published = await RelayOnceAsync(stoppingToken);
                _failedPasses = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away, most likely; the next pass starts over from the unpublished rows.
                _failedPasses++;
                wait = TimeSpan.FromMilliseconds(Math.Min(options.Value.PollInterval.TotalMilliseconds * Math.Pow(2, _failedPasses), 5000));
                logger.LogWarning("Outbox relay pass failed ({Error}); retrying in {Wait} ms", ex.Message, (int)wait.TotalMilliseconds);
            }
            catch (OperationCanceledException) { return; }
            monitor.RelayLooped();
            await monitor.MeasureIfDueAsync(stoppingToken);

            if (published < options.Value.BatchSize)
            {
                try { await signal.WaitAsync(wait, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>One pass over due rows; returns how many were published.</summary>
    internal async Task<int> RelayOnceAsync(CancellationToken ct, bool crashAfterPublish = false)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        // During a burst the scan starts after the last batch: the index is full of entries of rows published moments
        // ago that vacuum has not removed yet, and walking them on every pass costs more than publishing. A row that
        // commits late with a lower seq is found by the full scan that follows every burst and runs every 5 s.
        if (_lastFullScan is not { } last || TimeProvider.System.GetElapsedTime(last) > FullScanInterval)
        {
            _scanFrom = 0;
            _lastFullScan = TimeProvider.System.GetTimestamp();
        }
        var rows = (await conn.QueryAsync<OutboxRow>(new CommandDefinition(
            """
            select seq, message_id as MessageId, message_type as MessageType, body::text as Body,
                   correlation_id as CorrelationId, attempts
            from outbox_messages
            where published_at is null and next_attempt_at <= @now and seq >= @from
            order by seq
            limit @limit
            for update skip locked
            """, new { now, from = _scanFrom, limit = options.Value.BatchSize }, tx, cancellationToken: ct))).AsList();
        _scanFrom = rows.Count == options.Value.BatchSize ? rows[^1].Seq + 1 : 0;
        if (rows.Count == 0) return 0;

        // Publishes of one batch go out together and wait for their confirms together; the order of events
        // within a batch is therefore not guaranteed (consumers never rely on it: redelivery reorders anyway).
        var outcomes = await Task.WhenAll(rows.Select(async row =>
        {
            try
            {
                var points = await PublishAsync(row, ct);
                return (row, points, error: (Exception?)null);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                return (row, points: (long?)null, error: ex);
            }
        }));
        ct.ThrowIfCancellationRequested();

        var published = new List<long>(rows.Count);
        var failed = outcomes.Where(o => o.error is not null).ToList();
        foreach (var (row, _, error) in outcomes)
            if (error is null) published.Add(row.Seq);
        if (failed.Count > 0)
        {
            var (row, _, error) = failed[0];
            logger.LogWarning("Publishing {Failed} of {Total} outbox messages failed; first: {MessageId} ({MessageType}), attempt {Attempt}: {Error}",
                failed.Count, rows.Count, row.MessageId, row.MessageType, row.Attempts + 1, error!.Message);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update outbox_messages o set attempts = o.attempts + 1, last_error = f.error, next_attempt_at = @now + f.backoff
                from unnest(@seqs, @errors, @backoffs) f(seq, error, backoff) where o.seq = f.seq
                """,
                new
                {
                    now,
                    seqs = failed.Select(f => f.row.Seq).ToArray(),
                    errors = failed.Select(f => f.error!.Message).ToArray(),
                    backoffs = failed.Select(f => Backoff(f.row.Attempts, f.error!)).ToArray(),
                }, tx, cancellationToken: ct));
        }

        if (crashAfterPublish) throw new InvalidOperationException("Simulated crash between publish and mark");

        await conn.ExecuteAsync(new CommandDefinition(
            "update outbox_messages set published_at = @now, attempts = attempts + 1 where seq = any(@published)",
            new { now, published }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        foreach (var (row, points, error) in outcomes)
            if (error is null) monitor.Published(row.MessageType, points);
        return published.Count;
    }

    private TimeSpan Backoff(int attempts, Exception error)
    {
        var ceiling = error is UnpublishableMessageException ? options.Value.MaxBackoff : options.Value.BrokerBackoff;
        return TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempts), ceiling.TotalSeconds));
    }

    /// <summary>Publishes the row's event; returns the points it carries, if it is an event about points.</summary>
    private async Task<long?> PublishAsync(OutboxRow row, CancellationToken ct)
    {
        if (!MessageTypes.TryGetValue(row.MessageType, out var type))
            throw new UnpublishableMessageException($"Unknown message type {row.MessageType}");
        object message;
        try
        {
            message = JsonSerializer.Deserialize(row.Body, type, Outbox.Json)
                ?? throw new UnpublishableMessageException($"Outbox message {row.MessageId} has an empty body");
        }
        catch (JsonException ex)
        {
            throw new UnpublishableMessageException($"Outbox message {row.MessageId} cannot be read: {ex.Message}");
        }
        var timeout = options.Value.PublishTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var publish = bus.Publish(message, type, context =>
        {
            context.MessageId = row.MessageId;
            if (row.CorrelationId is { } correlationId) context.CorrelationId = correlationId;
        }, deadline.Token);
        try
        {
            // WaitAsync as well as the token: a publish whose confirm was lost with its connection may not heed the token.
            await publish.WaitAsync(timeout + TimeSpan.FromSeconds(1), ct);
        }
        catch (Exception ex) when (ex is TimeoutException || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            _ = publish.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed, if it ever ends
            throw new TimeoutException($"The broker did not confirm the publish within {timeout.TotalSeconds:0.#} s");
        }
        return PointsProperties.GetOrAdd(type, t => t.GetProperty("Points") is { PropertyType: var p } property && p == typeof(long) ? property : null)
            ?.GetValue(message) as long?;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo?> PointsProperties = new();

    private sealed record OutboxRow(long Seq, Guid MessageId, string MessageType, string Body, Guid? CorrelationId, int Attempts);
}

/// <summary>A row that no retry can publish as it is; it backs off for longer than a broker outage would.</summary>
internal sealed class UnpublishableMessageException(string message) : Exception(message);
