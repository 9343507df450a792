using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// The <see cref="InboxConsumer{T}"/> for consumers whose effects are written together with other messages' in one
/// transaction (the Ledger's credit batch): instead of a transaction of its own, the consumer gets the message's inbox
/// claim, hands it to the batch with the effects, and the batch records it in the same commit. A message the batch
/// finds handled before is logged and counted as a duplicate, as the inbox does for every other consumer.
/// </summary>
public abstract class BatchedInboxConsumer<T>(IServiceProvider services) : IConsumer<T> where T : class
{
    private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Rewards.Inbox");
    private readonly InboxMetrics _metrics = services.GetRequiredService<InboxMetrics>();

    public async Task Consume(ConsumeContext<T> context)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a MessageId");
        if (await HandleAsync(context.Message, new Inbox.Claim(messageId, GetType().Name, typeof(T).Name), context.CancellationToken)) return;
        _logger.LogInformation("Message {MessageId} ({MessageType}) already handled by {Consumer}; ignored", messageId, typeof(T).Name, GetType().Name);
        _metrics.Duplicate(GetType().Name, typeof(T).Name);
    }

    /// <summary>Hands the message's effects with <paramref name="claim"/> to the batch; false when the claim finds the message handled before.</summary>
    protected abstract Task<bool> HandleAsync(T message, Inbox.Claim claim, CancellationToken ct);
}
