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
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Publishes unpublished outbox rows to RabbitMQ with the row's id as the MassTransit MessageId, then marks them.
/// At-least-once: a crash between publish and mark publishes the row again with the same MessageId, and the
/// receiving inbox ignores the repeat. Rows are claimed with SKIP LOCKED, so several instances can run at once.
/// A row whose publish fails is retried with exponential back-off; it does not hold up the rows behind it.
/// Rows of one batch are published concurrently, so a batch costs about one confirm round trip.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource db,
    IBus bus,
    TimeProvider clock,
    WakeSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly TimeSpan FullScanInterval = TimeSpan.FromSeconds(5);
    private long _scanFrom;
    private long? _lastFullScan; // a wall-time timestamp: the scan rhythm must not follow the (test) business clock

    private static readonly Dictionary<string, Type> MessageTypes = typeof(Contracts.Membership.MemberRegistered).Assembly
        .GetTypes().Where(t => t.FullName is not null).ToDictionary(t => t.FullName!);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                published = await RelayOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Outbox relay pass failed; retrying");
            }

            if (published < options.Value.BatchSize)
            {
                try { await signal.WaitAsync(options.Value.PollInterval, stoppingToken); }
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
                await PublishAsync(row, ct);
                return (row, error: (Exception?)null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return (row, error: ex);
            }
        }));

        var published = new List<long>(rows.Count);
        foreach (var (row, error) in outcomes)
        {
            if (error is null)
            {
                published.Add(row.Seq);
                continue;
            }
            var backoff = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, row.Attempts), options.Value.MaxBackoff.TotalSeconds));
            logger.LogWarning(error, "Publishing outbox message {MessageId} ({MessageType}) failed, attempt {Attempt}",
                row.MessageId, row.MessageType, row.Attempts + 1);
            await conn.ExecuteAsync(
                "update outbox_messages set attempts = attempts + 1, last_error = @error, next_attempt_at = @next where seq = @seq",
                new { seq = row.Seq, error = error.Message, next = now + backoff }, tx);
        }

        if (crashAfterPublish) throw new InvalidOperationException("Simulated crash between publish and mark");

        await conn.ExecuteAsync(
            "update outbox_messages set published_at = @now, attempts = attempts + 1 where seq = any(@published)",
            new { now, published }, tx);
        await tx.CommitAsync(ct);
        return published.Count;
    }

    private async Task PublishAsync(OutboxRow row, CancellationToken ct)
    {
        if (!MessageTypes.TryGetValue(row.MessageType, out var type))
            throw new InvalidOperationException($"Unknown message type {row.MessageType}");
        var message = JsonSerializer.Deserialize(row.Body, type, Outbox.Json)
            ?? throw new InvalidOperationException($"Outbox message {row.MessageId} has an empty body");
        await bus.Publish(message, type, context =>
        {
            context.MessageId = row.MessageId;
            if (row.CorrelationId is { } correlationId) context.CorrelationId = correlationId;
        }, ct);
    }

    private sealed record OutboxRow(long Seq, Guid MessageId, string MessageType, string Body, Guid? CorrelationId, int Attempts);
}
