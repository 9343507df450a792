using Dapper;
using Npgsql;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// The inbox table: a consumed message's id is recorded in the transaction of its effects, so a redelivery finds it
/// and changes nothing. <see cref="InboxConsumer{T}"/> claims one message per transaction; a
/// <see cref="BatchedInboxConsumer{T}"/> hands its claim to a batch (the Ledger's credits), which claims the messages of
/// the whole batch at once.
/// </summary>
public static class Inbox
{
    public sealed record Claim(Guid MessageId, string Consumer, string MessageType);

    /// <summary>Records the messages as handled; returns those not handled before (the others change nothing).</summary>
    public static async Task<HashSet<(Guid MessageId, string Consumer)>> ClaimAsync(NpgsqlTransaction tx, IReadOnlyList<Claim> claims,
        DateTimeOffset now, CancellationToken ct) =>
        claims.Count == 0 ? [] : (await tx.Connection!.QueryAsync<(Guid, string)>(new CommandDefinition(
            """
            insert into inbox_messages (message_id, consumer, message_type, received_at)
            select id, consumer, type, @now from unnest(@ids, @consumers, @types) as m(id, consumer, type)
            on conflict do nothing
            returning message_id, consumer
            """,
            new
            {
                ids = claims.Select(c => c.MessageId).ToArray(), consumers = claims.Select(c => c.Consumer).ToArray(),
                types = claims.Select(c => c.MessageType).ToArray(), now,
            }, tx, cancellationToken: ct))).ToHashSet();
}
