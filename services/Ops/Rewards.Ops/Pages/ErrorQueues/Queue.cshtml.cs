using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.ErrorQueues;

public sealed record ParkedMessage(string MessageId, string? MessageType, string? ExceptionType, string? Error, string? FailedAt,
    Guid? MemberId, Guid? OrderId, string? Body);

/// <summary>One _error queue: its messages with their faults; replay or discard one, or all of a message type.</summary>
public sealed class QueueModel(OpsApi api) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Service { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string Queue { get; set; } = "";
    public IReadOnlyList<ParkedMessage> Messages { get; private set; } = [];
    public string? Error { get; private set; }

    private string Base => $"/ops/error-queues/{Uri.EscapeDataString(Queue)}";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!ServiceDirectory.IsKnown(Service)) return NotFound();
        var result = await api.GetAsync(Service, $"{Base}/messages?limit=200", ct);
        if (result is { Ok: true, Body: { ValueKind: JsonValueKind.Array } items })
        {
            Messages = [.. items.EnumerateArray().Select(m => new ParkedMessage(
                m.GetProperty("messageId").GetString()!, m.Text("messageType"), m.Text("exceptionType"), m.Text("error"), m.Text("failedAt"),
                m.Id("memberId"), m.Id("orderId"), m.TryGetProperty("message", out var body) && body.ValueKind == JsonValueKind.Object ? body.ToString() : null))];
        }
        else Error = result.Describe();
        return Page();
    }

    public Task<IActionResult> OnPostReplayAsync(string messageId, CancellationToken ct) =>
        ActAsync($"{Base}/messages/{Uri.EscapeDataString(messageId)}/replay", null, $"Message {messageId} was sent back to its queue.", ct);

    public Task<IActionResult> OnPostDiscardAsync(string messageId, string? reason, CancellationToken ct) =>
        ActAsync($"{Base}/messages/{Uri.EscapeDataString(messageId)}/discard", new { reason = reason ?? "" }, $"Message {messageId} was discarded.", ct);

    public Task<IActionResult> OnPostReplayTypeAsync(string messageType, CancellationToken ct) =>
        ActAsync($"{Base}/replay", new { messageType }, null, ct);

    public Task<IActionResult> OnPostDiscardTypeAsync(string messageType, string? reason, CancellationToken ct) =>
        ActAsync($"{Base}/discard", new { messageType, reason = reason ?? "" }, null, ct);

    private async Task<IActionResult> ActAsync(string path, object? body, string? done, CancellationToken ct)
    {
        if (!ServiceDirectory.IsKnown(Service)) return NotFound();
        var result = await api.PostAsync(Service, path, body, ct);
        TempData["Flash"] = result.Outcome(done ?? $"{(result.Body?.TryGetProperty("count", out var n) == true ? n.GetInt32() : 0)} message(s) {(path.EndsWith("/replay", StringComparison.Ordinal) ? "replayed" : "discarded")}.");
        return RedirectToPage(new { Service, Queue });
    }
}
