using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.Members;

/// <summary>
/// One member across the services, each read from its own API: profile, standing and audit trail (Membership), point
/// accounts and lots (Ledger), orders (Orders) and the e-mails sent (Notifications).
/// </summary>
public sealed class MemberModel(OpsApi api) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid MemberId { get; set; }
    public JsonElement? Profile { get; private set; }
    public JsonElement? Accounts { get; private set; }
    public JsonElement? Lots { get; private set; }
    public JsonElement? Orders { get; private set; }
    public JsonElement? Mails { get; private set; }
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var profile = api.GetAsync("Membership", $"/ops/members/{MemberId}", ct);
        var accounts = api.GetAsync("Ledger", $"/ops/members/{MemberId}/accounts", ct);
        var lots = api.GetAsync("Ledger", $"/ops/members/{MemberId}/accounts/lots", ct);
        var orders = api.GetAsync("Orders", $"/ops/orders?memberId={MemberId}&limit=50", ct);
        var mails = api.GetAsync("Notifications", $"/ops/notifications?memberId={MemberId}", ct);
        if ((await profile).Status == StatusCodes.Status404NotFound) return NotFound();
        Profile = Read(await profile, "Profile");
        Accounts = Read(await accounts, "Accounts");
        Lots = Read(await lots, "Lots");
        Orders = Read(await orders, "Orders");
        Mails = Read(await mails, "E-mails");
        return Page();
    }

    /// <summary>A fresh key in every action form, so a form sent twice acts once.</summary>
    public string NewKey() => Guid.CreateVersion7().ToString();

    public async Task<IActionResult> OnPostStandingAsync(string action, string? reason, string key, CancellationToken ct) =>
        Done((await MemberActions.StandingAsync(api, MemberId, action, reason ?? "", key, ct))
            .Outcome($"Done: {action}."));

    public async Task<IActionResult> OnPostCreditAsync(string channel, long points, string kind, string? reason, DateOnly? expiresOn, string key,
        CancellationToken ct) =>
        Done((await MemberActions.CreditAsync(api, MemberId, channel, points, kind, reason ?? "", expiresOn, key, ct))
            .Outcome($"Credited {points:N0} points ({kind}) on {channel}."));

    public async Task<IActionResult> OnPostDebitAsync(string channel, long points, string? reason, string key, CancellationToken ct) =>
        Done((await MemberActions.DebitAsync(api, MemberId, channel, points, reason ?? "", key, ct))
            .Outcome($"Debited {points:N0} points on {channel}."));

    public async Task<IActionResult> OnPostPayoffAsync(string channel, decimal paidUsd, string? paymentReference, string key, CancellationToken ct) =>
        Done((await MemberActions.PayoffAsync(api, MemberId, channel, paidUsd, paymentReference ?? "", key, ct))
            .Outcome($"Payoff of USD {paidUsd:0.00} recorded on {channel}."));

    private RedirectToPageResult Done(string outcome)
    {
        TempData["Flash"] = outcome;
        return RedirectToPage(new { MemberId });
    }

    private JsonElement? Read(ApiResult result, string what)
    {
        if (result.Ok) return result.Body;
        Errors.Add($"{what}: {result.Describe()}");
        return null;
    }
}
