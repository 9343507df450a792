using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Rewards.Testing;

/// <summary>
/// A TCP forwarder between a service and a real server (PostgreSQL, RabbitMQ) that a test can shut, as if the server
/// had vanished: <see cref="Shut"/> resets every open connection and refuses new ones; <see cref="Open"/> lets them
/// through again on the same port.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private TcpListener? _listener;
    private CancellationTokenSource _accepting = new();

    public TcpGate(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Parse(targetHost == "localhost" ? "127.0.0.1" : targetHost), targetPort);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Open();
    }

    public int Port { get; }

    public void Open()
    {
        if (_listener is not null) return;
        _accepting = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptAsync(_listener, _accepting.Token);
    }

    public void Shut()
    {
        _accepting.Cancel();
        _listener?.Stop();
        _listener = null;
        foreach (var socket in _sockets.Keys)
        {
            if (!_sockets.TryRemove(socket, out _)) continue;
            try { socket.LingerState = new LingerOption(true, 0); } // a reset, as a dead server's host answers
            catch (Exception) { }
            socket.Dispose();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptSocketAsync(ct); }
            catch (Exception) { return; }
            _ = ForwardAsync(client, ct);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken ct)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _sockets[client] = 0;
        _sockets[server] = 0;
        try
        {
            await server.ConnectAsync(_target, ct);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception) { }
        finally
        {
            foreach (var s in new[] { client, server })
            {
                if (_sockets.TryRemove(s, out _)) s.Dispose();
            }
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        }
        catch (Exception) { }
    }

    public ValueTask DisposeAsync()
    {
        Shut();
        return ValueTask.CompletedTask;
    }
}
