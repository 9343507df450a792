namespace Rewards.Orders.Domain;

/// <summary>O2 statuses and the fulfilment transitions ops may make.</summary>
public static class OrderStatus
{
    public const string PendingPayment = "pending-payment";
    public const string Processing = "processing";
    public const string Prepared = "prepared";
    public const string Complete = "complete";
    public const string Delivered = "delivered";
    public const string PickedUp = "picked-up";
    public const string Cancelled = "cancelled";
    public const string Refunded = "refunded";

    private static readonly Dictionary<string, (string From, string To)> Actions = new()
    {
        ["prepare"] = (Processing, Prepared),
        ["ship"] = (Prepared, Complete),
        ["deliver"] = (Complete, Delivered),
        ["pick-up"] = (Prepared, PickedUp),
    };

    public static bool IsAction(string action) => Actions.ContainsKey(action);

    /// <summary>The status <paramref name="action"/> leads to from <paramref name="current"/>, or null if it is not allowed.</summary>
    public static string? Next(string current, string action) =>
        Actions.TryGetValue(action, out var t) && t.From == current ? t.To : null;
}
