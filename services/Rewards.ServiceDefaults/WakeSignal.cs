using System.Threading.Channels;

namespace Rewards.ServiceDefaults;

/// <summary>Lets a polling loop sleep until its next poll or until someone has new work for it, whichever is first.</summary>
public sealed class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Raise() => _channel.Writer.TryWrite(true);

    /// <summary>Waits until raised or until <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try { await _channel.Reader.ReadAsync(cts.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
    }
}
