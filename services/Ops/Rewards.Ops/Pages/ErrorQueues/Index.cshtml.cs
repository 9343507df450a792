using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.ErrorQueues;

public sealed record ErrorQueueRow(string Service, string Name, long Messages, long Consumers);

public sealed record ActionRow(string Service, string Queue, string MessageId, string? MessageType, string Action, string? Reason, string Actor, DateTimeOffset At);

/// <summary>Every service's _error queues (from the service's own /ops/error-queues) and the latest replays and discards.</summary>
public sealed class IndexModel(OpsApi api) : PageModel
{
    public IReadOnlyList<ErrorQueueRow> Queues { get; private set; } = [];
    public IReadOnlyList<ActionRow> Actions { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var queues = new List<ErrorQueueRow>();
        var actions = new List<ActionRow>();
        var errors = new List<string>();
        foreach (var service in api.Services.All.Select(s => s.Name))
        {
            var list = await api.GetAsync(service, "/ops/error-queues", ct);
            if (list is { Ok: true, Body: { ValueKind: JsonValueKind.Array } items })
                queues.AddRange(items.EnumerateArray().Select(q => new ErrorQueueRow(service.ToLowerInvariant(), q.Text("name") ?? "",
                    (long)(q.Number("messages") ?? 0), (long)(q.Number("consumers") ?? 0))));
            else errors.Add($"{service}: {list.Describe()}");

            var done = await api.GetAsync(service, "/ops/error-queues/actions", ct);
            if (done is { Ok: true, Body: { ValueKind: JsonValueKind.Array } rows })
                actions.AddRange(rows.EnumerateArray().Select(a => new ActionRow(service, a.Text("queue") ?? "", a.Text("messageId") ?? "",
                    a.Text("messageType"), a.Text("action") ?? "", a.Text("reason"), a.Text("actor") ?? "", a.Time("at") ?? default)));
        }
        Queues = [.. queues.OrderByDescending(q => q.Messages).ThenBy(q => q.Name, StringComparer.Ordinal)];
        Actions = [.. actions.OrderByDescending(a => a.At).Take(50)];
        Errors = errors;
    }
}
