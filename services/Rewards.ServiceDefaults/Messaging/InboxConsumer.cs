using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// Base for every consumer with effects: opens one transaction, records the message id in the inbox, runs
/// <see cref="HandleAsync"/> in that transaction and commits both together. A redelivered message (same MessageId)
/// finds its inbox row and changes nothing; two concurrent deliveries serialise on the inbox primary key.
/// A message that can never have its effect (it is about a member erased meanwhile, say) is not a failure to retry:
/// the consumer calls <see cref="Suppress"/>, and the reason is kept on the inbox row and logged.
/// A request (request/response) gets the answer the consumer gives with <see cref="Respond"/>, sent once the
/// transaction has committed.
/// </summary>
public abstract class InboxConsumer<T>(IServiceProvider services) : IConsumer<T> where T : class
{
    protected NpgsqlDataSource Db { get; } = services.GetRequiredService<NpgsqlDataSource>();
    protected TimeProvider Clock { get; } = services.GetRequiredService<TimeProvider>();
    protected Outbox Outbox { get; } = services.GetRequiredService<Outbox>();
    private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Rewards.Inbox");
    private readonly InboxMetrics _metrics = services.GetRequiredService<InboxMetrics>();
    private string? _suppressed;
    private object? _answer;

    /// <summary>Marks the message as handled without effect, for <paramref name="reason"/>; nothing else of it should be written.</summary>
    protected void Suppress(string reason) => _suppressed = reason;

    /// <summary>The answer to the request, sent to the requester after the commit.</summary>
    protected void Respond(object answer) => _answer = answer;

    /// <summary>
    /// A consumer of requests whose handling is idempotent by the request's own key (a hold id, say) handles a
    /// redelivered request again, so that it is answered: its first answer may have been lost with the process.
    /// </summary>
    protected virtual bool AnswersRepeats => false;

    public async Task Consume(ConsumeContext<T> context)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a MessageId");
        var ct = context.CancellationToken;
        await using var conn = await Db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var first = (await Inbox.ClaimAsync(tx, [new Inbox.Claim(messageId, GetType().Name, typeof(T).Name)], Clock.GetUtcNow(), ct)).Count;
        if (first == 0)
        {
            _logger.LogInformation("Message {MessageId} ({MessageType}) already handled by {Consumer}; {Outcome}",
                messageId, typeof(T).Name, GetType().Name, AnswersRepeats ? "answered again" : "ignored");
            _metrics.Duplicate(GetType().Name, typeof(T).Name);
            if (!AnswersRepeats) return;
        }

        await HandleAsync(context.Message, tx, ct);
        if (_suppressed is { } reason)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "update inbox_messages set suppressed_reason = @reason where message_id = @messageId and consumer = @consumer",
                new { reason, messageId, consumer = GetType().Name }, tx, cancellationToken: ct));
            _logger.LogInformation("Message {MessageId} ({MessageType}) suppressed by {Consumer}: {Reason}",
                messageId, typeof(T).Name, GetType().Name, reason);
        }
        await tx.CommitAsync(ct);
        Outbox.Flush();
        if (_suppressed is not null) _metrics.Suppressed(GetType().Name, typeof(T).Name);
        if (_answer is not null) await context.RespondAsync(_answer);
    }

    /// <summary>Applies the message's effects inside <paramref name="tx"/>; outbox rows written there commit with them.</summary>
    protected abstract Task HandleAsync(T message, NpgsqlTransaction tx, CancellationToken ct);
}
