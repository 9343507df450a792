using System.ComponentModel.DataAnnotations;
using Rewards.Orders.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Orders.Features.Placing;

public sealed record OrderLineRequest
{
    /// <summary>The shop's article number.</summary>
    public required string Sku { get; init; }
    /// <summary>As shown to the customer.</summary>
    public required string Name { get; init; }
    /// <summary>At least 1.</summary>
    public required int Quantity { get; init; }
    /// <summary>In the order's currency, at most two decimals.</summary>
    public required decimal UnitPrice { get; init; }
    /// <summary>Per unit; the parcel's weight decides standard or EMS (O6).</summary>
    public int WeightGrams { get; init; }
    /// <summary>normal, meet-and-greet (needs BroadcastAt), alcohol or tobacco (age-restricted).</summary>
    [AllowedValues(ItemTypes.Normal, ItemTypes.MeetAndGreet, ItemTypes.Alcohol, ItemTypes.Tobacco)] public string ItemType { get; init; } = "normal";
    /// <summary>Meet-and-greet items: when the broadcast starts (O4 cancellation window).</summary>
    public DateTimeOffset? BroadcastAt { get; init; }
}

public sealed record ShippingRequest
{
    /// <summary>ISO 3166 two-letter code; within the home country shipping and tracking are free (O6).</summary>
    public required string Country { get; init; }
    /// <summary>Ignored for a duty-free order, which is picked up at the airport.</summary>
    [AllowedValues(Shipping.Standard, Shipping.Ems)] public required string Method { get; init; }
    /// <summary>The delivery address.</summary>
    public required string Address { get; init; }
}

public sealed record GuestRequest
{
    /// <summary>Where the order's mails go, and with the order number how the guest finds the order.</summary>
    public required string Email { get; init; }
    /// <summary>As the guest wants to be addressed.</summary>
    public required string Name { get; init; }
}

/// <summary>O7: a duty-free order, collected at the departure airport.</summary>
public sealed record DutyFreeRequest
{
    public required string PassportNumber { get; init; }
    public required DateTimeOffset DepartureAt { get; init; }
    public required string Flight { get; init; }
    /// <summary>IATA code of the departure airport, e.g. ICN.</summary>
    public required string Airport { get; init; }
    /// <summary>
    /// Where the buyer lives: residents of Korea have the per-departure limit. When absent, a member's country (from
    /// registration), or for a guest the shipping country.
    /// </summary>
    public string? ResidenceCountry { get; init; }
    /// <summary>Needed for alcohol and tobacco, which minors may not buy.</summary>
    public DateOnly? BirthDate { get; init; }
}

/// <summary>L9: pay part of the goods with earned points of one channel, in units of 10.</summary>
public sealed record PointsPaymentRequest
{
    /// <summary>The account the points come from.</summary>
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    /// <summary>In units of 10; 1,000 points pay USD 1 (Policy:PointsPerUsd).</summary>
    public required long Points { get; init; }
}

public sealed record PlaceOrderRequest
{
    /// <summary>What is ordered; at most Policy:MaxItemsPerOrder items in all (larger orders go through the help desk).</summary>
    public required IReadOnlyList<OrderLineRequest> Lines { get; init; }
    /// <summary>ISO 4217 code of the prices, e.g. USD or KRW; converted to USD at the rate in force.</summary>
    public required string Currency { get; init; }
    /// <summary>Where and how the parcel goes.</summary>
    public required ShippingRequest Shipping { get; init; }
    /// <summary>card, bank-transfer, paypal or gift-certificate (which earns no points).</summary>
    [AllowedValues("card", "bank-transfer", "paypal", "gift-certificate")] public required string PaymentMethod { get; init; }
    /// <summary>The shop's order policy was accepted; must be true.</summary>
    public required bool PolicyAccepted { get; init; }
    /// <summary>For guests only: their e-mail and name. Members send their bearer token instead.</summary>
    public GuestRequest? Guest { get; init; }
    /// <summary>Members only: pay part of the goods with points, held until payment (L9).</summary>
    public PointsPaymentRequest? Points { get; init; }
    /// <summary>A duty-free order, picked up at the departure airport (O7).</summary>
    public DutyFreeRequest? DutyFree { get; init; }
}

/// <summary>The field checks of a new order (O1, O6–O8, L9), each with a message a storefront can show next to the field.</summary>
internal static class PlaceOrderValidation
{
    public static readonly string[] PaymentMethods = ["card", "bank-transfer", "paypal", "gift-certificate"];

    public static FieldErrors Check(PlaceOrderRequest request, bool member, decimal goods, decimal pointsValue, DateTimeOffset now)
    {
        var errors = new FieldErrors()
            .Require(request.Lines.Count > 0, "lines", "An order needs at least one line.")
            .Require(request.Currency.Length == 3 && request.Currency.All(char.IsAsciiLetterUpper), "currency", "An ISO 4217 code such as USD or KRW.")
            .Require(request.PolicyAccepted, "policyAccepted", "The shop policy must be accepted.")
            .Require(PaymentMethods.Contains(request.PaymentMethod), "paymentMethod", $"One of: {string.Join(", ", PaymentMethods)}.")
            .Require(request.Shipping.Country.Length == 2, "shipping.country", "An ISO 3166 two-letter country code is required.")
            .Require(!string.IsNullOrWhiteSpace(request.Shipping.Address), "shipping.address", "An address is required.")
            // A duty-free order is picked up at the airport, whatever method was sent.
            .Require(request.DutyFree is not null || request.Shipping.Method is Shipping.Standard or Shipping.Ems, "shipping.method",
                $"One of: {Shipping.Standard}, {Shipping.Ems}.")
            .Require(member || request.Guest is not null, "guest", "Guests must give an e-mail address and a name.")
            .Require(!member || request.Guest is null, "guest", "A logged-in member cannot order as a guest.")
            .Require(request.Points is null || member, "points", "Guests cannot pay with points.")
            .Require(request.Points is null || request.Points.Points > 0, "points.points", "A positive number of points is required.")
            .Require(request.Points is null || request.Points.Channel is "online" or "offline", "points.channel", "One of: online, offline.")
            .Require(pointsValue <= goods, "points.points", "Points can pay for the goods, not for more than them.");
        if (request.DutyFree is { } dutyFree)
        {
            errors.Require(dutyFree.PassportNumber.Trim().Length is >= 5 and <= 20, "dutyFree.passportNumber", "A passport number of 5 to 20 characters is required.")
                .Require(dutyFree.DepartureAt > now, "dutyFree.departureAt", "The departure must lie in the future.")
                .Require(!string.IsNullOrWhiteSpace(dutyFree.Flight), "dutyFree.flight", "The flight number is required.")
                .Require(dutyFree.Airport.Length == 3 && dutyFree.Airport.All(char.IsAsciiLetter), "dutyFree.airport", "The IATA code of the departure airport is required, e.g. ICN.")
                .Require(dutyFree.ResidenceCountry is null || dutyFree.ResidenceCountry.Length == 2, "dutyFree.residenceCountry",
                    "An ISO 3166 two-letter country code, or nothing for the member's own country.");
        }
        return CheckLines(errors, request.Lines);
    }

    /// <summary>The checks of each line, for a new order and an amended one (O3).</summary>
    public static FieldErrors CheckLines(FieldErrors errors, IReadOnlyList<OrderLineRequest> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            errors.Require(line.Quantity > 0, $"lines[{i}].quantity", "The quantity must be at least 1.")
                .Require(line.UnitPrice > 0 && decimal.Round(line.UnitPrice, 2) == line.UnitPrice, $"lines[{i}].unitPrice", "A positive price with at most two decimals is required.")
                .Require(line.WeightGrams >= 0, $"lines[{i}].weightGrams", "The weight cannot be negative.")
                .Require(ItemTypes.All.Contains(line.ItemType), $"lines[{i}].itemType", $"One of: {string.Join(", ", ItemTypes.All)}.")
                .Require(line.ItemType != ItemTypes.MeetAndGreet || line.BroadcastAt is not null, $"lines[{i}].broadcastAt", "Meet-and-greet items need the broadcast time.")
                .Require(!string.IsNullOrWhiteSpace(line.Sku), $"lines[{i}].sku", "A SKU is required.");
        }
        return errors;
    }
}
