using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// Writes integration events into the outbox table inside the caller's transaction, so an event
/// exists if and only if the state change it announces was committed. <see cref="OutboxRelay"/> publishes them.
/// </summary>
public sealed class Outbox(TimeProvider clock, WakeSignal signal)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds <paramref name="message"/> to the outbox; returns the message id it will be published with.</summary>
    public async Task<Guid> EnqueueAsync<T>(NpgsqlTransaction tx, T message, Guid? correlationId = null, CancellationToken ct = default)
        where T : class
    {
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into outbox_messages (message_id, message_type, body, correlation_id, created_at, next_attempt_at)
            values (@id, @type, @body::jsonb, @correlationId, @now, @now)
            """,
            new { id, type = typeof(T).FullName, body = JsonSerializer.Serialize(message, Json), correlationId, now },
            tx, cancellationToken: ct));
        return id;
    }

    /// <summary>Adds <paramref name="messages"/> (each published as its runtime type) in one statement.</summary>
    public async Task EnqueueManyAsync(NpgsqlTransaction tx, IReadOnlyCollection<object> messages, CancellationToken ct = default)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx) { BatchCommands = { EnqueueManyCommand(messages) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The statement of <see cref="EnqueueManyAsync"/>, for a caller that sends it with others in one round trip.</summary>
    public NpgsqlBatchCommand EnqueueManyCommand(IReadOnlyCollection<object> messages) =>
        new("""
            insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at)
            select id, type, body::jsonb, @now, @now from unnest(@ids, @types, @bodies) as m(id, type, body)
            """)
        {
            Parameters =
            {
                new("ids", messages.Select(_ => Guid.CreateVersion7()).ToArray()),
                new("types", messages.Select(m => m.GetType().FullName!).ToArray()),
                new("bodies", messages.Select(m => JsonSerializer.Serialize(m, m.GetType(), Json)).ToArray()),
                new("now", clock.GetUtcNow()),
            },
        };

    /// <summary>Wakes the relay at once instead of at its next poll; call after committing.</summary>
    public void Flush() => signal.Raise();
}
