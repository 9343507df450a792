namespace Rewards.Ledger.Domain;

/// <summary>L5: debits consume lots by earliest expiry, then earliest earned date, then lot id.</summary>
public static class Fifo
{
    public static IEnumerable<Lot> Order(IEnumerable<Lot> lots) =>
        lots.OrderBy(l => l.ExpiresAt).ThenBy(l => l.EarnedAt).ThenBy(l => l.Id);

    /// <summary>Takes up to <paramref name="points"/> from <paramref name="lots"/> in FIFO order.</summary>
    public static AllocationResult Allocate(IEnumerable<Lot> lots, long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var allocations = new List<Allocation>();
        var left = points;
        foreach (var lot in Order(lots.Where(l => l.Remaining > 0)))
        {
            if (left == 0) break;
            var take = Math.Min(left, lot.Remaining);
            allocations.Add(new Allocation(lot.Id, take));
            left -= take;
        }
        return new AllocationResult(allocations, left);
    }

    /// <summary>
    /// L7: a clawback takes first from the purchase's own lot, then FIFO from the others; the shortfall is what
    /// turns the balance negative.
    /// </summary>
    public static AllocationResult Clawback(IEnumerable<Lot> lots, Guid? ownLotId, long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var all = lots.Where(l => l.Remaining > 0).ToList();
        var own = all.FirstOrDefault(l => l.Id == ownLotId);
        var allocations = new List<Allocation>();
        var left = points;
        if (own is not null && left > 0)
        {
            var take = Math.Min(left, own.Remaining);
            allocations.Add(new Allocation(own.Id, take));
            left -= take;
        }
        var rest = Allocate(all.Where(l => l.Id != ownLotId), left);
        allocations.AddRange(rest.Allocations);
        return new AllocationResult(allocations, rest.Shortfall);
    }
}
