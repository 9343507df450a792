namespace Rewards.Orders.Domain;

public sealed record CancellableLine(string ItemType, int Quantity, DateTimeOffset? BroadcastAt);

/// <summary>The outcome of a cancellation request: allowed with a fee, or refused with a stable problem slug.</summary>
public sealed record CancellationVerdict(bool Allowed, decimal FeeUsd, string? RefusalType, string? Reason)
{
    public static CancellationVerdict Allow(decimal fee = 0m) => new(true, fee, null, null);
    public static CancellationVerdict Refuse(string type, string reason) => new(false, 0m, type, reason);
}

/// <summary>O4: who may cancel what, and at which cost, by status and item type.</summary>
public static class Cancellation
{
    public static CancellationVerdict Decide(string status, DateTimeOffset? paidAt, IReadOnlyList<CancellableLine> lines,
        DateTimeOffset now, ProgramPolicy policy)
    {
        switch (status)
        {
            case OrderStatus.PendingPayment:
                return CancellationVerdict.Allow();
            case OrderStatus.Processing:
                foreach (var line in lines)
                {
                    if (line.ItemType == ItemTypes.MeetAndGreet)
                    {
                        // Until 30 min before the broadcast, and never once it has begun.
                        var deadline = line.BroadcastAt!.Value.AddMinutes(-policy.MeetAndGreetCancellationMinutes);
                        if (now >= deadline)
                            return CancellationVerdict.Refuse("cancellation-window-closed",
                                $"Meet-and-greet items can be cancelled until {policy.MeetAndGreetCancellationMinutes} minutes before the broadcast ({deadline:O}).");
                    }
                    else if (now > paidAt!.Value.AddHours(policy.CancellationHours))
                    {
                        return CancellationVerdict.Refuse("cancellation-window-closed",
                            $"Orders can be cancelled within {policy.CancellationHours} hours of payment; this one was paid at {paidAt:O}.");
                    }
                }
                return CancellationVerdict.Allow();
            case OrderStatus.Prepared:
                // The items are packed: cancelling costs a fee per item, the rest is refunded.
                return CancellationVerdict.Allow(lines.Sum(l => l.Quantity) * policy.PreparedCancellationFeePerItemUsd);
            default:
                return CancellationVerdict.Refuse("order-not-cancellable",
                    $"An order that is {status} cannot be cancelled; a defective item can be refunded after delivery.");
        }
    }
}
