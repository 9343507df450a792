namespace Rewards.Ledger.Domain;

/// <summary>The wire and database names of <see cref="LotSource"/>.</summary>
public static class LotSources
{
    public static string Name(LotSource source) => source switch
    {
        LotSource.Purchase => "purchase",
        LotSource.Promotion => "promotion",
        LotSource.Gift => "gift",
        LotSource.Correction => "correction",
        LotSource.MissedEarning => "missed-earning",
        LotSource.Transfer => "transfer",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    public static LotSource Parse(string name) => name switch
    {
        "purchase" => LotSource.Purchase,
        "promotion" => LotSource.Promotion,
        "gift" => LotSource.Gift,
        "correction" => LotSource.Correction,
        "missed-earning" => LotSource.MissedEarning,
        "transfer" => LotSource.Transfer,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown lot source"),
    };
}
