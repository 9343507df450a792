using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages;

/// <summary>The Ledger's health as bookkeeping: GET /ops/verify (every invariant, each violation) and the liability roll-forward.</summary>
public sealed record OutstandingAt(DateOnly At, long Points);

public sealed class LedgerModel(OpsApi api, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    public JsonElement? Verify { get; private set; }
    public JsonElement? Liability { get; private set; }
    /// <summary>Outstanding (earned, unspent) points at evenly spaced days of the range, for the chart.</summary>
    public IReadOnlyList<OutstandingAt> Outstanding { get; private set; } = [];
    public JsonElement? Rates { get; private set; }
    private const int ChartPoints = 12;
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var errors = new List<string>();
        var verify = await api.GetAsync("Ledger", "/ops/verify", ct);
        if (verify.Ok) Verify = verify.Body;
        else errors.Add($"Verify: {verify.Describe()}");

        var query = string.Join("&", new[] { ("from", From), ("to", To?.AddDays(1)) }
            .Where(p => p.Item2 is not null)
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}T00:00:00Z"));
        var liability = await api.GetAsync("Ledger", "/ops/liability" + (query.Length > 0 ? "?" + query : ""), ct);
        if (liability.Ok) Liability = liability.Body;
        else errors.Add($"Liability: {liability.Describe()}");
        Errors = errors;
        if (liability.Ok) Outstanding = await OutstandingOverTimeAsync(ct);
        var rates = await api.GetAsync("Ledger", "/ops/exchange-rates", ct);
        if (rates.Ok) Rates = rates.Body;
        else errors.Add($"Exchange rates: {rates.Describe()}");
    }

    public string NewKey() => Guid.CreateVersion7().ToString();

    /// <summary>Records a rate (L3/L15) from the given day on; Orders learns it from the Ledger's event.</summary>
    public async Task<IActionResult> OnPostRateAsync(string currency, decimal usdPerUnit, DateOnly effectiveFrom, string key, CancellationToken ct)
    {
        var result = await api.SendAsync(HttpMethod.Put, "Ledger", $"/ops/exchange-rates/{Uri.EscapeDataString(currency.Trim())}",
            new { usdPerUnit, effectiveFrom = effectiveFrom.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) }, ct, key);
        TempData["Flash"] = result.Outcome($"{currency.Trim().ToUpperInvariant()} = USD {usdPerUnit} from {effectiveFrom:yyyy-MM-dd}.");
        return RedirectToPage();
    }

    /// <summary>The closing balance at the end of each of <see cref="ChartPoints"/> days spread over the range (default: the last year).</summary>
    private async Task<IReadOnlyList<OutstandingAt>> OutstandingOverTimeAsync(CancellationToken ct)
    {
        var last = To ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = From ?? last.AddYears(-1);
        var span = Math.Max(last.DayNumber - first.DayNumber, ChartPoints - 1);
        var days = Enumerable.Range(0, ChartPoints).Select(i => first.AddDays((int)Math.Round(span * i / (double)(ChartPoints - 1)))).Distinct().ToList();
        var answers = await Task.WhenAll(days.Select(day =>
        {
            var end = Uri.EscapeDataString(day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z");
            return api.GetAsync("Ledger", $"/ops/liability?from={end}&to={end}", ct);
        }));
        return [.. days.Zip(answers).Where(p => p.Second.Ok && p.Second.Body is not null)
            .Select(p => new OutstandingAt(p.First, (long)(p.Second.Body!.Value.Number("closing") ?? 0)))];
    }
}
