using System.Globalization;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>How mails write money, points and dates, whatever the server's culture.</summary>
internal static class MailFormat
{
    public static string Usd(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
    public static string Points(long points) => points.ToString("N0", CultureInfo.InvariantCulture);
    public static string Date(DateTimeOffset at) => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
