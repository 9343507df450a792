using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages;

public sealed record CheckView(string Name, string Status, string? Description, string? Data);

public sealed record ServiceHealth(string Name, string Status, IReadOnlyList<CheckView> Checks, long? OutboxUnpublished, double? OutboxOldestAgeSeconds)
{
    /// <summary>Messages its consumers handled and those that failed (each failed attempt, retries included) since it started.</summary>
    public (double Consumed, double Failed)? Consumers { get; init; }
}

/// <summary>
/// The system at a glance: each service's readiness with every check's detail, its outbox backlog, and RabbitMQ's
/// queues (depth, consumers, type) with the _error queues first. Red means a human is needed.
/// </summary>
public sealed class IndexModel(OpsApi api, RabbitManagement rabbit) : PageModel
{
    public IReadOnlyList<ServiceHealth> Services { get; private set; } = [];
    public IReadOnlyList<QueueInfo> Queues { get; private set; } = [];
    public string? QueuesError { get; private set; }

    public IEnumerable<QueueInfo> ParkedQueues => Queues.Where(q => q.IsErrorQueue && q.Messages > 0);
    public IEnumerable<QueueInfo> QueuesWithoutConsumer => Queues.Where(q => !q.IsErrorQueue && q.Consumers == 0);
    public bool NeedsHuman => Services.Any(s => s.Status != "Healthy") || ParkedQueues.Any() || QueuesWithoutConsumer.Any() || QueuesError is not null;

    public async Task OnGetAsync(CancellationToken ct)
    {
        var health = Task.WhenAll(api.Services.All.Select(s => HealthAsync(s.Name, ct)));
        (Queues, QueuesError) = await rabbit.QueuesAsync(ct);
        Services = await health;
    }

    /// <summary>MassTransit's own counters on the service's /metrics.</summary>
    private const string Consumed = "messaging_masstransit_consume_ea_total", ConsumeFaults = "messaging_masstransit_consume_errors_ea_total";

    private async Task<ServiceHealth> HealthAsync(string service, CancellationToken ct)
    {
        var counters = api.CountersAsync(service, [Consumed, ConsumeFaults], ct);
        var health = await ReadinessAsync(service, ct);
        return (await counters) is { } c ? health with { Consumers = (c[Consumed], c[ConsumeFaults]) } : health;
    }

    private async Task<ServiceHealth> ReadinessAsync(string service, CancellationToken ct)
    {
        var result = await api.GetAsync(service, "/health/ready", ct);
        if (result.Body is not { ValueKind: JsonValueKind.Object } report || !report.TryGetProperty("status", out var status))
            return new ServiceHealth(service, "Unreachable", [new CheckView("http", "Unreachable", result.Describe(), null)], null, null);
        var checks = report.TryGetProperty("checks", out var list) ? list.EnumerateArray().Select(c => new CheckView(
            c.GetProperty("name").GetString() ?? "",
            c.GetProperty("status").GetString() ?? "",
            c.TryGetProperty("description", out var d) ? d.GetString() : null,
            c.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                ? string.Join(", ", data.EnumerateObject().Select(p => $"{p.Name} {p.Value}")) : null)).ToList() : [];
        long? unpublished = null;
        double? oldest = null;
        if (report.TryGetProperty("checks", out list)
            && list.EnumerateArray().FirstOrDefault(c => c.GetProperty("name").GetString() == "outbox") is { ValueKind: JsonValueKind.Object } outbox
            && outbox.TryGetProperty("data", out var lag) && lag.ValueKind == JsonValueKind.Object)
        {
            if (lag.TryGetProperty("unpublished", out var u) && u.TryGetInt64(out var count)) unpublished = count;
            if (lag.TryGetProperty("oldestUnpublishedAgeSeconds", out var a) && a.TryGetDouble(out var age)) oldest = age;
        }
        return new ServiceHealth(service, status.GetString() ?? "Unknown", checks, unpublished, oldest);
    }
}
