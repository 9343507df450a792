using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.Jobs;

public sealed record RunRow(DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationMs, bool? Succeeded, string? Result, double? Rows,
    string? StartedBy, string? Instance);

/// <summary>One job's recorded runs, newest first; a run without an end is running or died with its process.</summary>
public sealed class RunsModel(OpsApi api) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Service { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string Name { get; set; } = "";
    public IReadOnlyList<RunRow> Runs { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!ServiceDirectory.IsKnown(Service)) return NotFound();
        var result = await api.GetAsync(Service, $"/ops/jobs/{Uri.EscapeDataString(Name)}/runs?limit=100", ct);
        if (result is { Ok: true, Body: { ValueKind: JsonValueKind.Array } items })
            Runs = [.. items.EnumerateArray().Select(r => new RunRow(r.Time("startedAt") ?? default, r.Time("endedAt"), r.Number("durationMs"),
                r.Flag("succeeded"), r.Text("result"), r.Number("rows"), r.Text("startedBy"), r.Text("instance")))];
        else Error = result.Describe();
        return Page();
    }
}
