namespace Rewards.Ledger.Domain;

public static class Channel
{
    public const string Online = "online";
    public const string Offline = "offline";
    public static readonly string[] All = [Online, Offline];

    public static bool IsValid(string channel) => channel is Online or Offline;
}
