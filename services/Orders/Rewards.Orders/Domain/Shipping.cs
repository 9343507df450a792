namespace Rewards.Orders.Domain;

public sealed record ShippingQuote(string Method, decimal ShippingUsd, decimal TrackingFeeUsd);

/// <summary>O6: what shipping costs, from the goods amount, the parcel's weight and where it goes.</summary>
public static class Shipping
{
    public const string Standard = "standard";
    public const string Ems = "ems";
    /// <summary>O7: duty-free goods, collected at the departure airport.</summary>
    public const string AirportPickup = "airport-pickup";

    public static ShippingQuote Quote(decimal goodsUsd, long weightGrams, string country, string requestedMethod, ProgramPolicy policy)
    {
        // Over the weight limit a parcel must go EMS, whatever was asked for.
        var method = weightGrams > policy.MaxStandardWeightGrams || requestedMethod == Ems ? Ems : Standard;
        if (string.Equals(country, policy.HomeCountry, StringComparison.OrdinalIgnoreCase))
            return new ShippingQuote(method, 0m, 0m); // residents of Korea pay neither shipping nor tracking
        var shipping = (goodsUsd > policy.FreeShippingAboveUsd ? 0m : policy.StandardShippingUsd) + (method == Ems ? policy.EmsSurchargeUsd : 0m);
        return new ShippingQuote(method, shipping, policy.TrackingFeeUsd);
    }
}
