using Rewards.Ledger.Domain;

namespace Rewards.Ledger.Data;

/// <summary>
/// The compound postings operations are made of, on a <see cref="LedgerSession"/>'s locked accounts: credit earned
/// points (paying debt first, L8), debit them FIFO (L5, L7), return them into the lots they came from (L9), move them
/// into another account's new lots (L10, L11).
/// </summary>
public static class LedgerOperations
{
    /// <summary>
    /// Credits earned points (L8): debt is paid down first and only the rest becomes a lot, built by
    /// <paramref name="newLot"/>. Returns the transaction id and the lot (null when it all went to debt).
    /// </summary>
    public static (Guid TransactionId, LotRow? Lot, long PaidDebt) CreditEarned(this LedgerSession session, Book book, long points, Guid systemAccount, Entry entry,
        Func<long, LotRow> newLot)
    {
        var (paysDebt, lotPoints) = PointsRules.SplitCredit(book.Earned.Balance, points);
        var lot = lotPoints > 0 ? newLot(lotPoints) : null;
        var transactionId = session.Post(entry with { LotId = lot?.Id ?? entry.LotId }, Leg.System(systemAccount, -points), Leg.Of(book.Earned, points));
        return (transactionId, lot, paysDebt);
    }

    /// <summary>
    /// Takes earned points out of <paramref name="book"/> into <paramref name="to"/>: from <paramref name="ownLotId"/> first,
    /// then FIFO (L5, L7). With <paramref name="allowNegative"/> the shortfall makes the balance negative (clawback,
    /// correction); otherwise the caller must have checked <see cref="Data.Book.Available"/>.
    /// </summary>
    public static (Guid TransactionId, IReadOnlyList<Allocation> Allocations) DebitEarned(this LedgerSession session, Book book, long points, Leg to, Entry entry,
        string allocationKind, Guid? ownLotId = null, bool allowNegative = false)
    {
        var usable = book.Earned.Balance < 0 ? [] : book.Lots.Select(l => l.ToDomain());
        var result = Fifo.Clawback(usable, ownLotId, points);
        if (result.Shortfall > 0 && !allowNegative)
            throw new InvalidOperationException($"Debit of {points} exceeds the {book.Available} available points");
        var transactionId = session.Post(entry, Leg.Of(book.Earned, -points), to);
        session.Take(book, result.Allocations, transactionId, allocationKind, entry.Reference);
        return (transactionId, result.Allocations);
    }

    /// <summary>
    /// Gives points back into the lots they were taken from (L9), posting <paramref name="from"/> → earned. Debt is paid
    /// first (L8); points returned to a lot that has expired meanwhile expire again at once. Returns the points that
    /// expired again.
    /// </summary>
    public static long ReturnToLots(this LedgerSession session, Book book, Leg from, Entry entry, IReadOnlyList<(LotRow Lot, long Points)> returns, string allocationKind)
    {
        var total = returns.Sum(r => r.Points);
        var debt = Math.Max(0, -book.Earned.Balance);
        var transactionId = session.Post(entry, from, Leg.Of(book.Earned, total));
        long expiredAgain = 0;
        foreach (var (lot, points) in returns.OrderBy(r => r.Lot.ExpiresAt).ThenBy(r => r.Lot.Id))
        {
            var paysDebt = Math.Min(debt, points);
            debt -= paysDebt;
            session.RecordReturn(lot, points, transactionId, allocationKind, entry.Reference);
            session.Record(lot, paysDebt, transactionId, "debt-paydown");
            var restored = points - paysDebt;
            if (restored == 0) continue;
            lot.Remaining += restored;
            session.Changed(lot);
            if (lot.ExpiresAt <= session.Now)
            {
                session.Expire(book, lot, restored, $"expire:{lot.Id}:{transactionId}");
                expiredAgain += restored;
            }
            else if (!book.Lots.Contains(lot))
            {
                lot.Status = "earned";
                book.Lots.Add(lot);
            }
        }
        return expiredAgain;
    }

    /// <summary>
    /// Moves <paramref name="allocations"/> (taken from <paramref name="from"/>'s lots) into new lots of <paramref name="to"/>
    /// shaped by <paramref name="shape"/> (L10 gift, L11 transfer); the receiver's debt is paid first (L8).
    /// </summary>
    public static (Guid TransactionId, List<LotRow> Lots) MoveLots(this LedgerSession session, Book from, Book to, IReadOnlyList<Allocation> allocations, Entry entry,
        string allocationKind, Func<LotRow, long, LotRow> shape)
    {
        var points = allocations.Sum(a => a.Points);
        var debt = Math.Max(0, -to.Earned.Balance);
        var transactionId = session.Post(entry, Leg.Of(from.Earned, -points), Leg.Of(to.Earned, points));
        var sources = from.Lots.ToDictionary(l => l.Id);
        session.Take(from, allocations, transactionId, allocationKind, entry.Reference);
        var created = new List<LotRow>();
        foreach (var a in allocations)
        {
            var paysDebt = Math.Min(debt, a.Points);
            debt -= paysDebt;
            if (a.Points - paysDebt > 0) created.Add(shape(sources[a.LotId], a.Points - paysDebt));
        }
        return (transactionId, created);
    }
}
