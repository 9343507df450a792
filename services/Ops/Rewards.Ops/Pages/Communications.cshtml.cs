using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages;

/// <summary>
/// What members are told beyond their own events: terms versions (Membership: every member is mailed a notice when new
/// terms are published, N1) and promotional mail to opted-in members (Notifications, M10/N3).
/// </summary>
public sealed class CommunicationsModel(OpsApi api) : PageModel
{
    public JsonElement? Terms { get; private set; }
    public JsonElement? Campaigns { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var errors = new List<string>();
        var terms = await api.GetAsync("Membership", "/ops/terms", ct);
        if (terms.Ok) Terms = terms.Body;
        else errors.Add($"Terms: {terms.Describe()}");
        var campaigns = await api.GetAsync("Notifications", "/ops/marketing-mails", ct);
        if (campaigns.Ok) Campaigns = campaigns.Body;
        else errors.Add($"Campaigns: {campaigns.Describe()}");
        Errors = errors;
    }

    public string NewKey() => Guid.CreateVersion7().ToString();

    public async Task<IActionResult> OnPostTermsAsync(string version, DateOnly effectiveFrom, string url, string summary, bool unfavourable, string key,
        CancellationToken ct)
    {
        var result = await api.SendAsync(HttpMethod.Post, "Membership", "/ops/terms", new { version, effectiveFrom, url, summary, unfavourable }, ct, key);
        TempData["Flash"] = result.Outcome($"Terms {version} published, in force from {effectiveFrom:yyyy-MM-dd}; every member is being told.");
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostCampaignAsync(string subject, string text, string? countries, string? tiers, string key, CancellationToken ct)
    {
        var result = await api.SendAsync(HttpMethod.Post, "Notifications", "/ops/marketing-mails",
            new { subject, text, countries = List(countries), tiers = List(tiers) }, ct, key);
        TempData["Flash"] = result.Outcome(
            $"Campaign \"{subject}\" written for {(result.Body?.TryGetProperty("recipients", out var n) == true ? n.GetInt32() : 0)} opted-in members.");
        return RedirectToPage();
    }

    private static string[] List(string? commaSeparated) =>
        (commaSeparated ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
