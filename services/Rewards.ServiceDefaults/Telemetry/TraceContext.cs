using System.Diagnostics;

namespace Rewards.ServiceDefaults.Telemetry;

/// <summary>
/// Trace ids for log correlation without recording spans. A listener that asks only for propagation data makes
/// ASP.NET Core, HttpClient and MassTransit create their activities (ids, parent from the incoming traceparent or
/// message header) but skip their tags, events and timings.
/// </summary>
public static class TraceContext
{
    private static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "MassTransit"];

    private static int _listening;

    /// <summary>Once per process: the listener is process-wide, and tests run several hosts in one process.</summary>
    public static void PropagateWithoutRecording()
    {
        if (Interlocked.Exchange(ref _listening, 1) == 1) return;
        ActivitySource.AddActivityListener(new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        });
    }
}
