using System.Net.Http.Headers;
using System.Text;

namespace Rewards.ServiceDefaults.Messaging;

/// <summary>RabbitMQ's management API (HTTP) on whichever node of the cluster answers.</summary>
public static class RabbitManagementApi
{
    /// <summary>The management API of every node: <see cref="RabbitMqOptions.ManagementNodes"/>, else the one host.</summary>
    public static IReadOnlyList<Uri> Nodes(RabbitMqOptions rabbit) => rabbit.ManagementNodes.Length > 0
        ? [.. rabbit.ManagementNodes.Select(node => new Uri($"http://{node}/"))]
        : [new Uri($"http://{rabbit.Host}:{rabbit.ManagementPort}/")];

    /// <summary>GET <paramref name="pathAndQuery"/> from each node in turn until one answers; throws the last failure when none does.</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient http, RabbitMqOptions rabbit, string pathAndQuery, CancellationToken ct)
    {
        Exception? last = null;
        foreach (var node in Nodes(rabbit))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, pathAndQuery));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{rabbit.Username}:{rabbit.Password}")));
            try
            {
                return await http.SendAsync(request, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = ex; // this node is down: the next one
            }
        }
        throw last!;
    }
}
