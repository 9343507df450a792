namespace Rewards.Membership.Features.Auth;

/// <summary>Ops staff log in like members and get the "ops" role. Configured under "Ops:Accounts".</summary>
public sealed class OpsAccountsOptions
{
    public List<OpsAccount> Accounts { get; set; } = [];
    /// <summary>How long an ops login's refresh token lasts: the longest an ops console session runs without a new login.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 168)] public int RefreshTokenHours { get; set; } = 12;
}

public sealed class OpsAccount
{
    public Guid Id { get; set; }
    public string Email { get; set; } = "";
    public string Password { get; set; } = "";
    public string Name { get; set; } = "Ops";
}
