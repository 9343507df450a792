using Serilog.Core;
using Serilog.Events;

namespace Rewards.ServiceDefaults.Telemetry;

/// <summary>
/// MassTransit logs at Error what a broker outage does to it: the failed send of a publish the outbox relay retries
/// (S-FAULT), a consumer channel shut down with its connection. Both clear by themselves once RabbitMQ is back, and
/// the relay's and the bus's own warnings already report them; at Error they would page someone for nothing. This
/// sink wrapper writes them as Warning (exception kept). A consumer's fault, which may need a human, stays an Error.
/// </summary>
internal sealed class BrokerOutagesAsWarnings(ILogEventSink inner) : ILogEventSink, IDisposable
{
    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level == LogEventLevel.Error && FromMassTransit(logEvent)
            && (Outages.Describe(logEvent.Exception) is not null || logEvent.Exception is OperationCanceledException))
        {
            logEvent = new LogEvent(logEvent.Timestamp, LogEventLevel.Warning, logEvent.Exception, logEvent.MessageTemplate,
                logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Value)), logEvent.TraceId ?? default, logEvent.SpanId ?? default);
        }
        inner.Emit(logEvent);
    }

    private static bool FromMassTransit(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var source)
        && source is ScalarValue { Value: string name } && name.StartsWith("MassTransit", StringComparison.Ordinal);

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
