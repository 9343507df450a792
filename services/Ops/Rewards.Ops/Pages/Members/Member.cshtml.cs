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

    private JsonElement? Read(ApiResult result, string what)
    {
        if (result.Ok) return result.Body;
        Errors.Add($"{what}: {result.Describe()}");
        return null;
    }
}
