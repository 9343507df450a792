using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages;

/// <summary>Partner stores and their API keys, as the Ledger's /ops/partners has them (L16).</summary>
public sealed class PartnersModel(OpsApi api) : PageModel
{
    public JsonElement? Partners { get; private set; }
    public JsonElement? Keys { get; private set; }
    [BindProperty(SupportsGet = true)] public Guid? PartnerId { get; set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var errors = new List<string>();
        var partners = await api.GetAsync("Ledger", "/ops/partners", ct);
        if (partners.Ok) Partners = partners.Body;
        else errors.Add($"Partners: {partners.Describe()}");
        if (PartnerId is { } id)
        {
            var keys = await api.GetAsync("Ledger", $"/ops/partners/{id}/keys", ct);
            if (keys.Ok) Keys = keys.Body;
            else errors.Add($"Keys: {keys.Describe()}");
        }
        Errors = errors;
    }

    public async Task<IActionResult> OnPostCreateAsync(string name, string channel, decimal earnRate, bool redemptionAllowed, int? requestsPerSecond,
        CancellationToken ct)
    {
        var result = await api.PostAsync("Ledger", "/ops/partners", new { name, channel, earnRate, redemptionAllowed, requestsPerSecond }, ct);
        TempData["Flash"] = result.Outcome($"{name} registered; issue it a key.");
        return RedirectToPage();
    }

    /// <summary>The secret is shown in the flash message, once; the Ledger never shows it again.</summary>
    public async Task<IActionResult> OnPostKeyAsync(Guid partnerId, int overlapHours, CancellationToken ct)
    {
        var result = await api.PostAsync("Ledger", $"/ops/partners/{partnerId}/keys", new { overlapHours }, ct);
        TempData["Flash"] = result.Outcome(result.Ok && result.Body is { } key
            ? $"Key {key.GetProperty("keyId")} issued. Secret, shown only now: {key.GetProperty("secret")}"
            : "");
        return RedirectToPage(new { partnerId });
    }

    public async Task<IActionResult> OnPostStatusAsync(Guid partnerId, string status, CancellationToken ct)
    {
        var result = await api.SendAsync(HttpMethod.Patch, "Ledger", $"/ops/partners/{partnerId}", new { status }, ct);
        TempData["Flash"] = result.Outcome($"The partner is now {status}.");
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid partnerId, string keyId, CancellationToken ct)
    {
        var result = await api.PostAsync("Ledger", $"/ops/partners/{partnerId}/keys/{Uri.EscapeDataString(keyId.Trim())}/revocation", null, ct);
        TempData["Flash"] = result.Outcome($"Key {keyId.Trim()} revoked.");
        return RedirectToPage(new { partnerId });
    }
}
