namespace Rewards.Orders.Domain;

/// <summary>What an amended order's new amount due means for the money (O3).</summary>
public sealed record AmendmentMoney(decimal AmountDue, decimal Refund, string? Refusal);

public static class Amendment
{
    /// <summary>
    /// An unpaid order simply owes the new amount. A paid one gets the difference back when it costs less; when it would
    /// cost more it is refused, as nothing can collect the extra payment — the extra goods are a new order.
    /// </summary>
    public static AmendmentMoney Settle(bool paid, decimal amountDue, decimal alreadyRefunded, decimal newAmountDue)
    {
        if (!paid) return new AmendmentMoney(newAmountDue, 0m, null);
        var stillPaid = amountDue - alreadyRefunded;
        return newAmountDue > stillPaid
            ? new AmendmentMoney(amountDue, 0m, $"The change would cost USD {newAmountDue - stillPaid:0.00} more than was paid; order the extra goods separately.")
            : new AmendmentMoney(amountDue, stillPaid - newAmountDue, null);
    }
}
