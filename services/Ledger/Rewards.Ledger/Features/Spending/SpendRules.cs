using Microsoft.AspNetCore.Http.HttpResults;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Spending;

/// <summary>A refusal to spend points, as a problem slug, title and detail (HTTP) or a hold refusal (broker).</summary>
public sealed record Refusal(int Status, string Type, string Title, string Detail)
{
    public ProblemHttpResult ToProblem() => Problems.Of(Status, Type, Title, Detail);
}

/// <summary>L8/L9: what every redemption, gift and transfer must satisfy.</summary>
public static class SpendRules
{
    public static Refusal? UnitRefusal(long points, int unit) =>
        PointsRules.IsWholeUnits(points, unit) ? null
            : new Refusal(400, "invalid-points-unit", "Points move in whole units", $"Points are spent in multiples of {unit}; {points} is not one.");

    /// <summary>Checks the locked <paramref name="book"/>; <paramref name="usable"/> is what this kind of spending may use.</summary>
    public static Refusal? BalanceRefusal(Book book, long points, long usable, string what = "spendable")
    {
        if (book.Earned.Balance < 0)
        {
            return new Refusal(409, "negative-balance", "The balance is negative",
                $"The {book.Channel} balance is {book.Earned.Balance}; nothing can be spent until it is paid down (L8).");
        }
        return usable < points
            ? new Refusal(409, "insufficient-points", "Not enough points", $"{points} points asked, {usable} {what} points in the {book.Channel} account.")
            : null;
    }
}
