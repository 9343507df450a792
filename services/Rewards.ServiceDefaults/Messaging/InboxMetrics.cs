using System.Diagnostics.Metrics;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>
/// What the inbox turned away: <c>rewards_inbox_duplicates_total</c> (a message already handled, redelivered) and
/// <c>rewards_inbox_suppressed_total</c> (a message that can never have its effect), by consumer and message type.
/// MassTransit's own meter counts what was consumed and what faulted.
/// </summary>
public sealed class InboxMetrics
{
    public const string MeterName = "Rewards.Inbox";
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _suppressed;

    public InboxMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _duplicates = meter.CreateCounter<long>("rewards.inbox.duplicates", "{message}", "Redelivered messages skipped by the inbox");
        _suppressed = meter.CreateCounter<long>("rewards.inbox.suppressed", "{message}", "Messages handled without effect because they never can have one");
    }

    internal void Duplicate(string consumer, string messageType) => _duplicates.Add(1, Tags(consumer, messageType));

    internal void Suppressed(string consumer, string messageType) => _suppressed.Add(1, Tags(consumer, messageType));

    private static ReadOnlySpan<KeyValuePair<string, object?>> Tags(string consumer, string messageType) =>
        new KeyValuePair<string, object?>[] { new("consumer", consumer), new("message_type", messageType) };
}
