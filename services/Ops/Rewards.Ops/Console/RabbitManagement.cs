using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ops.Console;

public sealed record QueueInfo(
    string Name,
    string? Type,
    long? Messages,
    [property: JsonPropertyName("messages_unacknowledged")] long? Unacknowledged,
    long? Consumers)
{
    public bool IsErrorQueue => Name.EndsWith("_error", StringComparison.Ordinal) || Name.EndsWith("_skipped", StringComparison.Ordinal);

    /// <summary>The service whose queue it is, from the "{service}-…" name.</summary>
    public string Service => Name.Split('-')[0];
}

/// <summary>RabbitMQ's management API: the queues of the system's virtual host with their depth and consumers.</summary>
public sealed class RabbitManagement(IHttpClientFactory http, IOptions<RabbitMqOptions> options)
{
    public async Task<(IReadOnlyList<QueueInfo> Queues, string? Error)> QueuesAsync(CancellationToken ct)
    {
        var rabbit = options.Value;
        try
        {
            using var response = await RabbitManagementApi.GetAsync(http.CreateClient(OpsApi.HttpClientName), rabbit,
                $"api/queues/{Uri.EscapeDataString(rabbit.VirtualHost)}?columns=name,type,messages,messages_unacknowledged,consumers", ct);
            if (!response.IsSuccessStatusCode) return ([], $"RabbitMQ's management API answered {(int)response.StatusCode}");
            var queues = await response.Content.ReadFromJsonAsync<List<QueueInfo>>(ct) ?? [];
            return ([.. queues.OrderBy(q => q.Name, StringComparer.Ordinal)], null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return ([], $"RabbitMQ's management API did not answer: {ex.Message}");
        }
    }
}
