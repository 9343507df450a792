namespace Rewards.Ledger.Domain;

/// <summary>The pure arithmetic of L8, L9, L10 and L15.</summary>
public static class PointsRules
{
    /// <summary>L8: a new credit first pays down debt (a negative balance); only the rest becomes a lot.</summary>
    public static (long PaysDebt, long NewLot) SplitCredit(long balance, long credit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credit);
        var debt = Math.Max(0, -balance);
        var paysDebt = Math.Min(debt, credit);
        return (paysDebt, credit - paysDebt);
    }

    /// <summary>L9: redemptions, gifts and transfers move whole units (default 10 points).</summary>
    public static bool IsWholeUnits(long points, int unit) => points > 0 && points % unit == 0;

    /// <summary>L10: only purchase lots can be gifted — never promotion points or points received as a gift.</summary>
    public static bool IsGiftable(Lot lot) => lot.Source is LotSource.Purchase or LotSource.MissedEarning && lot.Transferable;

    /// <summary>L10: a gifted lot keeps its expiry unless fewer than <paramref name="minimumMonthsLeft"/> months are left; then it gains <paramref name="extensionMonths"/>.</summary>
    public static DateTimeOffset GiftedExpiry(DateTimeOffset expiresAt, DateTimeOffset now, int minimumMonthsLeft = 6, int extensionMonths = 6) =>
        expiresAt < now.AddMonths(minimumMonthsLeft) ? expiresAt.AddMonths(extensionMonths) : expiresAt;

    /// <summary>L15: USD to pay off a negative balance: max(minimum, debt × USD per point), rounded up to the cent.</summary>
    public static decimal PayoffUsd(long balance, decimal minimumUsd = 1.00m, decimal usdPerPoint = 0.001m)
    {
        if (balance >= 0) return 0m;
        var owed = decimal.Ceiling(-balance * usdPerPoint * 100m) / 100m;
        return Math.Max(minimumUsd, owed);
    }

    /// <summary>
    /// L15 paid in another currency: max(the minimum in that currency, debt × USD per point ÷ USD per unit of the
    /// currency at the rate in force), rounded up to a whole unit (KRW has no minor unit).
    /// </summary>
    public static decimal PayoffInCurrency(long balance, decimal minimum, decimal usdPerPoint, decimal usdPerUnit)
    {
        if (balance >= 0) return 0m;
        return Math.Max(minimum, decimal.Ceiling(-balance * usdPerPoint / usdPerUnit));
    }
}
