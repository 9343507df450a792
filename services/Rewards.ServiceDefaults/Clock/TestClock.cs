namespace Rewards.ServiceDefaults.Clock;

/// <summary>
/// The system clock, unless a test has set it: then time runs on from the set instant at the normal rate.
/// Registered only when Testing:ClockControl is on (never in Production).
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly Lock _gate = new();
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return System.GetUtcNow() + _offset;
    }

    public void Set(DateTimeOffset now)
    {
        lock (_gate) _offset = now - System.GetUtcNow();
    }
}
