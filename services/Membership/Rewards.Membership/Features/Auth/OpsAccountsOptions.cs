namespace Rewards.Membership.Features.Auth;

/// <summary>Ops staff log in like members and get the "ops" role. Configured under "Ops:Accounts".</summary>
public sealed class OpsAccountsOptions
{
    public List<OpsAccount> Accounts { get; set; } = [];
}

public sealed class OpsAccount
{
    public Guid Id { get; set; }
    public string Email { get; set; } = "";
    public string Password { get; set; } = "";
    public string Name { get; set; } = "Ops";
}
