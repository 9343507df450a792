namespace Rewards.Ledger.Domain;

/// <summary>L3 earn maths.</summary>
public static class Earning
{
    public const long PointsPerUsd = 1000;

    /// <summary>floor(paid USD × earn rate × 1,000); never negative.</summary>
    public static long Points(decimal paidUsd, decimal earnRate) =>
        paidUsd <= 0 || earnRate <= 0 ? 0 : (long)decimal.Floor(paidUsd * earnRate * PointsPerUsd);
}
