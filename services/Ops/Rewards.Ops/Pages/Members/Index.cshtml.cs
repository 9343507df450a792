using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.Members;

/// <summary>Find a member by login e-mail or member id (Membership's GET /ops/members).</summary>
public sealed class IndexModel(OpsApi api) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    public JsonElement? Found { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Q)) return Page();
        var query = Guid.TryParse(Q.Trim(), out var id) ? $"memberId={id}" : $"email={Uri.EscapeDataString(Q.Trim())}";
        var result = await api.GetAsync("Membership", $"/ops/members?{query}", ct);
        if (!result.Ok) Error = result.Describe();
        else if (result.Body is { ValueKind: JsonValueKind.Array } found && found.GetArrayLength() == 1)
            return Redirect($"/members/{found[0].Text("memberId")}");
        else Found = result.Body;
        return Page();
    }
}
