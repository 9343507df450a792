using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Rewards.Testing;

/// <summary>Every log event a service host writes, rendered with all its properties, trace id and exception, for tests that read the logs.</summary>
public sealed class CapturedLogs : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        _lines.Enqueue($"{logEvent.Level} {logEvent.RenderMessage()} {properties} TraceId={logEvent.TraceId} {logEvent.Exception}");
    }

    public IReadOnlyList<string> Lines => [.. _lines];
}
