using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.Jobs;

public sealed record JobRow(string Service, string Name, string Interval, DateTimeOffset? LastRunAt, bool? LastSucceeded, string? LastResult,
    double? LastDurationMs, DateTimeOffset? NextRunAt, double? LastRows);

/// <summary>Every service's clock jobs: last run and its result, next run on the service's own clock; run one now.</summary>
public sealed class IndexModel(OpsApi api) : PageModel
{
    public IReadOnlyList<JobRow> Jobs { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var jobs = new List<JobRow>();
        var errors = new List<string>();
        foreach (var service in api.Services.All.Select(s => s.Name))
        {
            var result = await api.GetAsync(service, "/ops/jobs", ct);
            if (result is { Ok: true, Body: { ValueKind: JsonValueKind.Array } items })
                jobs.AddRange(items.EnumerateArray().Select(j => new JobRow(service, j.Text("name")!, j.Text("interval") ?? "",
                    j.Time("lastRunAt"), j.Flag("lastSucceeded"), j.Text("lastResult"), j.Number("lastDurationMs"), j.Time("nextRunAt"),
                    j.Number("lastRows"))));
            else errors.Add($"{service}: {result.Describe()}");
        }
        Jobs = jobs;
        Errors = errors;
    }

    public async Task<IActionResult> OnPostRunAsync(string service, string name, CancellationToken ct)
    {
        if (!ServiceDirectory.IsKnown(service)) return NotFound();
        var result = await api.PostAsync(service, $"/ops/jobs/{Uri.EscapeDataString(name)}/run", null, ct);
        TempData["Flash"] = result is { Ok: true, Body: { } run }
            ? $"{service} {name}: {(run.Flag("succeeded") == true ? "done" : "failed")}, {run.Text("result")}"
            : $"{service} {name} was not run: {result.Describe()}";
        return RedirectToPage("/Jobs/Runs", new { service, name });
    }
}
