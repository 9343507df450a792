using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages;

/// <summary>The Ledger's health as bookkeeping: GET /ops/verify (every invariant, each violation) and the liability roll-forward.</summary>
public sealed class LedgerModel(OpsApi api) : PageModel
{
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    public JsonElement? Verify { get; private set; }
    public JsonElement? Liability { get; private set; }
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
    }
}
