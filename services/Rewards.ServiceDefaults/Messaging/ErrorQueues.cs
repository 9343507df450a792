using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Rewards.ServiceDefaults.Messaging;

public sealed record ErrorQueueSummary(string Name, string InputQueue, long Messages, long Consumers);

/// <summary>A message MassTransit parked in an _error queue after its retries, with the fault it recorded.</summary>
public sealed record ErrorMessage(
    string MessageId, string? MessageType, string? ExceptionType, string? Error, string? FailedAt, Guid? MemberId, Guid? OrderId, JsonElement? Message);

/// <summary>
/// The service's _error queues ("{service}-…_error"), read through RabbitMQ's management API (queue list) and AMQP
/// (messages). Reading peeks: the messages go back to the queue unacknowledged. Replay sends a message back to its queue
/// without MassTransit's fault headers, then removes it from the _error queue; discard removes it.
/// </summary>
public sealed class ErrorQueues(IOptions<RabbitMqOptions> options, MessagingService service)
{
    private const int ScanLimit = 10_000;
    private RabbitMqOptions Rabbit => options.Value;

    public bool Owns(string queue) => queue.StartsWith(service.Name + "-", StringComparison.Ordinal) && queue.EndsWith("_error", StringComparison.Ordinal);

    public async Task<IReadOnlyList<ErrorQueueSummary>> ListAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await RabbitManagementApi.GetAsync(http, Rabbit, $"api/queues/{Uri.EscapeDataString(Rabbit.VirtualHost)}?columns=name,messages,consumers", ct);
        response.EnsureSuccessStatusCode();
        var queues = await response.Content.ReadFromJsonAsync<List<QueueInfo>>(ct) ?? [];
        return [.. queues.Where(q => Owns(q.Name)).OrderBy(q => q.Name)
            .Select(q => new ErrorQueueSummary(q.Name, q.Name[..^"_error".Length], q.Messages, q.Consumers))];
    }

    public async Task<IReadOnlyList<ErrorMessage>> PeekAsync(string queue, int limit, CancellationToken ct)
    {
        await using var connection = await ConnectAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var found = new List<ErrorMessage>();
        try
        {
            while (found.Count < limit && await channel.BasicGetAsync(queue, autoAck: false, ct) is { } delivery)
                found.Add(Describe(delivery));
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return []; // no message has failed there yet, so the queue does not exist
        }
        return found; // closing the channel puts them back
    }

    /// <summary>Sends the message back to its queue; null when it is not (or no longer) in <paramref name="queue"/>.</summary>
    public async Task<ErrorMessage?> ReplayAsync(string queue, string messageId, CancellationToken ct) =>
        (await ReplayAsync(queue, m => m.MessageId == messageId, 1, ct)).SingleOrDefault();

    /// <summary>Sends every message that <paramref name="matches"/> (at most <paramref name="limit"/>) back to its queue.</summary>
    public Task<IReadOnlyList<ErrorMessage>> ReplayAsync(string queue, Func<ErrorMessage, bool> matches, int limit, CancellationToken ct) =>
        TakeAsync(queue, matches, limit, async (channel, delivery) =>
        {
            var properties = new BasicProperties(delivery.BasicProperties)
            {
                Headers = delivery.BasicProperties.Headers?
                    .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && h.Key != "MT-Reason")
                    .ToDictionary(h => h.Key, h => h.Value),
            };
            await channel.BasicPublishAsync("", queue[..^"_error".Length], mandatory: true, properties, delivery.Body, ct);
        }, ct);

    public async Task<ErrorMessage?> DiscardAsync(string queue, string messageId, CancellationToken ct) =>
        (await DiscardAsync(queue, m => m.MessageId == messageId, 1, ct)).SingleOrDefault();

    public Task<IReadOnlyList<ErrorMessage>> DiscardAsync(string queue, Func<ErrorMessage, bool> matches, int limit, CancellationToken ct) =>
        TakeAsync(queue, matches, limit, (_, _) => Task.CompletedTask, ct);

    /// <summary>
    /// Takes the messages that match out of <paramref name="queue"/>, doing <paramref name="before"/> with each first (a
    /// replay is confirmed by the broker before the parked copy goes); the others stay unacknowledged and go back to
    /// the queue when the channel closes.
    /// </summary>
    private async Task<IReadOnlyList<ErrorMessage>> TakeAsync(string queue, Func<ErrorMessage, bool> matches, int limit,
        Func<IChannel, BasicGetResult, Task> before, CancellationToken ct)
    {
        var taken = new List<ErrorMessage>();
        await using var connection = await ConnectAsync(ct);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        try
        {
            for (var i = 0; i < ScanLimit && taken.Count < limit && await channel.BasicGetAsync(queue, autoAck: false, ct) is { } delivery; i++)
            {
                var message = Describe(delivery);
                if (!matches(message)) continue;
                await before(channel, delivery);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
                taken.Add(message);
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404) { }
        return taken;
    }

    /// <summary>To the first node that answers, of the cluster's or the single one.</summary>
    private Task<IConnection> ConnectAsync(CancellationToken ct) => new ConnectionFactory
    {
        VirtualHost = Rabbit.VirtualHost, UserName = Rabbit.Username, Password = Rabbit.Password, ClientProvidedName = $"{service.Name}-error-queues",
    }.CreateConnectionAsync(Rabbit.ClusterNodes.Length > 0
        ? [.. Rabbit.ClusterNodes.Select(node => AmqpTcpEndpoint.Parse(node))]
        : [new AmqpTcpEndpoint(Rabbit.Host, Rabbit.Port)], ct);

    private static ErrorMessage Describe(BasicGetResult delivery)
    {
        var headers = delivery.BasicProperties.Headers ?? new Dictionary<string, object?>();
        string? Header(string name) => headers.TryGetValue(name, out var v) ? v switch { byte[] b => Encoding.UTF8.GetString(b), null => null, _ => v.ToString() } : null;
        JsonElement? message = null;
        string? type = null;
        try
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            if (envelope.RootElement.TryGetProperty("messageType", out var types) && types.GetArrayLength() > 0)
                type = types[0].GetString()?.Split(':').Last();
            if (envelope.RootElement.TryGetProperty("message", out var m)) message = m.Clone();
        }
        catch (JsonException) { }
        Guid? Id(string name) => message is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty(name, out var v) && v.TryGetGuid(out var g) ? g : null;
        return new ErrorMessage(delivery.BasicProperties.MessageId ?? "", type, Header("MT-Fault-ExceptionType"), Header("MT-Fault-Message"),
            Header("MT-Fault-Timestamp"), Id("memberId"), Id("orderId"), message);
    }

    private sealed record QueueInfo(string Name, long Messages, long Consumers);
}

/// <summary>The service's name as its queues carry it ("{name}-…").</summary>
public sealed record MessagingService(string Name);
