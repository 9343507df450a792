using Dapper;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Features.Spending;

namespace Rewards.Ledger.Features.Holds;

public sealed record HoldRow(Guid Id, Guid MemberId, string Channel, Guid? OrderId, long Points, string Status, DateTimeOffset ExpiresAt);

/// <summary>
/// L9 two-phase redemption. A hold moves points from the earned to the held account and takes them out of their lots
/// (recorded as allocations under the hold id); commit moves them on to redemption; release gives them back to the
/// same lots. Every step runs under the member's account locks and re-reads the hold there, so each happens once.
/// </summary>
public static class CheckoutHolds
{
    public static async Task<HoldRow?> FindAsync(LedgerSession session, Guid holdId, CancellationToken ct) =>
        await session.Transaction.Connection!.QuerySingleOrDefaultAsync<HoldRow>(new CommandDefinition(
            """
            select id, member_id as MemberId, channel, order_id as OrderId, points, status, expires_at as ExpiresAt
            from holds where id = @holdId
            """, new { holdId }, session.Transaction, cancellationToken: ct));

    /// <summary>Places the hold, or returns why not. The caller has locked the member's channel with its lots.</summary>
    public static async Task<(HoldRow? Hold, Refusal? Refusal)> PlaceAsync(LedgerSession session, HoldPoints request, ProgramPolicy policy, CancellationToken ct)
    {
        if (SpendRules.UnitRefusal(request.Points, policy.PointsUnit) is { } unit) return (null, unit);
        var book = session.Book(request.MemberId, request.Channel);
        if (SpendRules.BalanceRefusal(book, request.Points, book.Available) is { } refusal) return (null, refusal);

        session.DebitEarned(book, request.Points, Leg.Of(book.Held, request.Points),
            Entry.Hold(request.HoldId, request.OrderId is { } o ? Actor.Order(o) : Actor.Member(request.MemberId), session.Now),
            "hold");
        var hold = new HoldRow(request.HoldId, request.MemberId, request.Channel, request.OrderId, request.Points, "open",
            session.Now.AddMinutes(policy.HoldMinutes));
        await session.Transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into holds (id, member_id, channel, order_id, points, status, created_at, expires_at)
            values (@Id, @MemberId, @Channel, @OrderId, @Points, 'open', @now, @ExpiresAt)
            """, new { hold.Id, hold.MemberId, hold.Channel, hold.OrderId, hold.Points, hold.ExpiresAt, now = session.Now },
            session.Transaction, cancellationToken: ct));
        return (hold, null);
    }

    public static async Task CommitAsync(LedgerSession session, HoldRow hold, CancellationToken ct)
    {
        var book = session.Book(hold.MemberId, hold.Channel);
        session.Post(Entry.Redeem(hold.Id, hold.OrderId is { } o ? Actor.Order(o) : Actor.System("holds"), session.Now),
            Leg.Of(book.Held, -hold.Points), Leg.System(SystemAccounts.Redemption, hold.Points));
        await CloseAsync(session, hold, "committed", null, ct);
        session.Publish(new PointsRedeemed
        {
            HoldId = hold.Id, MemberId = hold.MemberId, Channel = hold.Channel, OrderId = hold.OrderId, Points = hold.Points, At = session.Now,
        });
    }

    public static async Task ReleaseAsync(LedgerSession session, HoldRow hold, string reason, CancellationToken ct)
    {
        var book = session.Book(hold.MemberId, hold.Channel);
        var returns = await OutstandingAsync(session, hold.Id.ToString(), ct);
        session.ReturnToLots(book, Leg.Of(book.Held, -hold.Points),
            Entry.Release(hold.Id, reason, session.Now), returns, "release");
        await CloseAsync(session, hold, "released", reason, ct);
        session.Publish(new PointsHoldReleased
        {
            HoldId = hold.Id, MemberId = hold.MemberId, Channel = hold.Channel, OrderId = hold.OrderId, Points = hold.Points, Reason = reason, At = session.Now,
        });
    }

    /// <summary>The points of <paramref name="reference"/> still out, per lot (taken minus given back).</summary>
    public static async Task<List<(LotRow Lot, long Points)>> OutstandingAsync(LedgerSession session, string reference, CancellationToken ct)
    {
        var rows = (await session.Transaction.Connection!.QueryAsync<(Guid LotId, long Points)>(new CommandDefinition(
            "select lot_id, sum(points)::bigint from allocations where reference = @reference group by lot_id having sum(points) > 0",
            new { reference }, session.Transaction, cancellationToken: ct))).ToList();
        var lots = await session.LotsByIdAsync(rows.Select(r => r.LotId), ct);
        return [.. rows.Select(r => (lots[r.LotId], r.Points))];
    }

    private static async Task CloseAsync(LedgerSession session, HoldRow hold, string status, string? reason, CancellationToken ct) =>
        await session.Transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "update holds set status = @status, closed_at = @now, close_reason = @reason where id = @id",
            new { id = hold.Id, status, reason, now = session.Now }, session.Transaction, cancellationToken: ct));
}
