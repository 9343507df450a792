namespace Rewards.Ledger.Domain;

/// <summary>L3 earn maths.</summary>
public static class Earning
{
    /// <summary>
    /// floor(paid USD × earn rate ÷ USD per point); never negative. <paramref name="usdPerPoint"/> is the programme's one
    /// figure for what a point is worth (Policy:UsdPerPoint, 0.001: 1,000 points = USD 1), also used to pay off debt (L15).
    /// </summary>
    public static long Points(decimal paidUsd, decimal earnRate, decimal usdPerPoint) =>
        paidUsd <= 0 || earnRate <= 0 || usdPerPoint <= 0 ? 0 : (long)decimal.Floor(paidUsd * earnRate / usdPerPoint);
}
