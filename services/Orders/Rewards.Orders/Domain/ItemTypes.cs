namespace Rewards.Orders.Domain;

/// <summary>O1: the kinds of order line.</summary>
public static class ItemTypes
{
    public const string Normal = "normal";
    public const string MeetAndGreet = "meet-and-greet";
    public const string Alcohol = "alcohol";
    public const string Tobacco = "tobacco";

    public static readonly string[] All = [Normal, MeetAndGreet, Alcohol, Tobacco];

    public static bool IsAgeRestricted(string itemType) => itemType is Alcohol or Tobacco;
}
