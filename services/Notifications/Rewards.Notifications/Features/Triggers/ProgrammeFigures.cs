using System.ComponentModel.DataAnnotations;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>
/// The programme's figures the mails quote, bound from the same keys the Ledger applies (<c>Policy:EarnRate</c>,
/// <c>Policy:PendingHours</c>, <c>Policy:ExpiryMonths</c>), so one configuration serves both and the mails say what the
/// ledger does.
/// </summary>
public sealed class ProgrammeFigures
{
    [Range(0.0, 1.0)] public decimal EarnRate { get; set; } = 0.01m;
    [Range(1, 24 * 30)] public int PendingHours { get; set; } = 48;
    [Range(1, 240)] public int ExpiryMonths { get; set; } = 60;

    public string EarnRatePercent => $"{EarnRate * 100:0.##}%";
}
