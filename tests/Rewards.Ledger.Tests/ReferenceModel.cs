namespace Rewards.Ledger.Tests;

/// <summary>
/// A deliberately naive, in-memory statement of the Ledger rules (L5–L11, L19) for the model-based test: lists, loops,
/// no database. It shares no code with the service. Refusals are problem slugs; "ok" is success.
/// </summary>
public sealed class ReferenceModel(DateTimeOffset start)
{
    public sealed class Lot
    {
        public required int Seq { get; init; }
        public required string Source { get; init; }
        public required DateTimeOffset EarnedAt { get; init; }
        public required DateTimeOffset ExpiresAt { get; init; }
        public required bool Transferable { get; init; }
        public long Remaining { get; set; }
    }

    public sealed class Account
    {
        public long Balance { get; set; }
        public List<Lot> Lots { get; } = [];
        public long Held { get; set; }
        public long Available => Balance < 0 ? 0 : Lots.Sum(l => l.Remaining);
    }

    public sealed record Hold(Guid Id, Account Account, long Points, List<(Lot Lot, long Points)> Taken)
    {
        public bool Open { get; set; } = true;
    }

    private int _seq;
    public DateTimeOffset Now { get; private set; } = start;
    public Dictionary<(int Member, string Channel), Account> Accounts { get; } = [];
    public List<Hold> Holds { get; } = [];

    public Account Of(int member, string channel) =>
        Accounts.TryGetValue((member, channel), out var a) ? a : Accounts[(member, channel)] = new Account();

    private static IEnumerable<Lot> Fifo(Account a) =>
        a.Lots.Where(l => l.Remaining > 0).OrderBy(l => l.ExpiresAt).ThenBy(l => l.EarnedAt).ThenBy(l => l.Seq);

    private static List<(Lot Lot, long Points)> Take(IEnumerable<Lot> lots, long points)
    {
        var taken = new List<(Lot, long)>();
        foreach (var lot in lots.ToList())
        {
            if (points == 0) break;
            var t = Math.Min(points, lot.Remaining);
            lot.Remaining -= t;
            points -= t;
            taken.Add((lot, t));
        }
        return taken;
    }

    /// <summary>A credit pays debt first; what is left becomes lots shaped by <paramref name="lots"/> (in order).</summary>
    private static void Credit(Account a, IEnumerable<(long Points, Func<long, Lot> Make)> lots)
    {
        foreach (var (points, make) in lots)
        {
            var debt = Math.Max(0, -a.Balance);
            a.Balance += points;
            var rest = points - Math.Min(debt, points);
            if (rest > 0) a.Lots.Add(make(rest));
        }
    }

    private Lot NewLot(string source, DateTimeOffset earned, DateTimeOffset expires, bool transferable, long points) =>
        new() { Seq = _seq++, Source = source, EarnedAt = earned, ExpiresAt = expires, Transferable = transferable, Remaining = points };

    private static string? Refuse(Account a, long points, long usable) =>
        points % 10 != 0 ? "invalid-points-unit" : a.Balance < 0 ? "negative-balance" : usable < points ? "insufficient-points" : null;

    public void Purchase(int member, string channel, long points, DateTimeOffset purchasedAt) =>
        Credit(Of(member, channel), [(points, p => NewLot("missed-earning", purchasedAt, purchasedAt.AddMonths(60), true, p))]);

    public void Promotion(int member, string channel, long points, DateTimeOffset expiresAt) =>
        Credit(Of(member, channel), [(points, p => NewLot("promotion", Now, expiresAt, false, p))]);

    public void Debit(int member, string channel, long points)
    {
        var a = Of(member, channel);
        if (a.Balance >= 0) Take(Fifo(a), points);
        a.Balance -= points;
    }

    public string Gift(int from, int to, string channel, long points)
    {
        var a = Of(from, channel);
        var giftable = Fifo(a).Where(l => l.Source is "purchase" or "missed-earning" && l.Transferable);
        if (Refuse(a, points, giftable.Sum(l => l.Remaining)) is { } refusal) return refusal;
        var taken = Take(giftable, points);
        a.Balance -= points;
        // The service's clock is a few milliseconds past the model's, hence "at most 6 months left" here.
        Credit(Of(to, channel), taken.Select(t => (t.Points, (Func<long, Lot>)(p => NewLot("gift", t.Lot.EarnedAt,
            t.Lot.ExpiresAt <= Now.AddMonths(6) ? t.Lot.ExpiresAt.AddMonths(6) : t.Lot.ExpiresAt, false, p)))));
        return "ok";
    }

    public string Transfer(int member, string from, string to, long points)
    {
        var a = Of(member, from);
        if (Refuse(a, points, a.Available) is { } refusal) return refusal;
        var taken = Take(Fifo(a), points);
        a.Balance -= points;
        Credit(Of(member, to), taken.Select(t => (t.Points, (Func<long, Lot>)(p => NewLot(t.Lot.Source, t.Lot.EarnedAt, t.Lot.ExpiresAt, t.Lot.Transferable, p)))));
        return "ok";
    }

    public string PlaceHold(Guid id, int member, string channel, long points)
    {
        var a = Of(member, channel);
        if (Refuse(a, points, a.Available) is { } refusal) return refusal;
        Holds.Add(new Hold(id, a, points, Take(Fifo(a), points)));
        a.Balance -= points;
        a.Held += points;
        return "ok";
    }

    public static void Commit(Hold hold)
    {
        if (!hold.Open) return;
        hold.Open = false;
        hold.Account.Held -= hold.Points;
    }

    /// <summary>Points go back to their lots, debt first (earliest-expiring returns pay it); expired lots lose them again.</summary>
    public void Release(Hold hold)
    {
        if (!hold.Open) return;
        hold.Open = false;
        var a = hold.Account;
        a.Held -= hold.Points;
        var debt = Math.Max(0, -a.Balance);
        a.Balance += hold.Points;
        foreach (var (lot, points) in hold.Taken.OrderBy(t => t.Lot.ExpiresAt).ThenBy(t => t.Lot.Seq))
        {
            var pays = Math.Min(debt, points);
            debt -= pays;
            if (lot.ExpiresAt <= Now) a.Balance -= points - pays;
            else lot.Remaining += points - pays;
        }
    }

    /// <summary>Time passes: due lots expire, then every open hold has timed out.</summary>
    public void Advance(TimeSpan by)
    {
        Now += by;
        foreach (var a in Accounts.Values)
        {
            foreach (var lot in a.Lots.Where(l => l.Remaining > 0 && l.ExpiresAt <= Now))
            {
                a.Balance -= lot.Remaining;
                lot.Remaining = 0;
            }
        }
        foreach (var hold in Holds.Where(h => h.Open).ToList()) Release(hold);
    }
}
