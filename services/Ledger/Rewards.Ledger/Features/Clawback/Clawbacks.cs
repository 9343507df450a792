using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Holds;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Clawback;

internal static class Clawbacks
{
    /// <summary>
    /// L4/L7: takes back up to <paramref name="points"/> (all when null) of what the purchase <paramref name="reference"/>
    /// (an order id, a partner transaction) earned in <paramref name="book"/>. Pending points are voided (no negative
    /// balance arises); earned points come from the purchase's own lot first, then FIFO, and what is still missing makes
    /// the balance negative (L8). Returns the points voided and clawed back.
    /// </summary>
    public static async Task<(long Voided, long Clawed)> TakeBackAsync(LedgerSession session, Book book, string reference, long? points, string key,
        Actor by, CancellationToken ct)
    {
        var lot = await session.FindLotAsync(book.MemberId, book.Channel, "purchase", reference, ct);
        if (lot is null) return (0, 0);
        var claim = Math.Min(points ?? long.MaxValue, lot.Amount - lot.ClawedBack);
        if (claim <= 0 || await session.AlreadyPostedAsync(book.Pending, key, ct) || await session.AlreadyPostedAsync(book.Earned, key, ct)) return (0, 0);

        var entry = Entry.ClawBack(lot, key, by, session.Now);
        long voided = 0, clawed = 0;
        if (lot.Status == "pending")
        {
            voided = Math.Min(claim, lot.Remaining);
            if (voided > 0)
            {
                var transactionId = session.Post(entry, Leg.Of(book.Pending, -voided), Leg.System(SystemAccounts.Issuance, voided));
                session.Record(lot, voided, transactionId, "void");
            }
            lot.Remaining -= voided;
            if (lot.Remaining == 0) lot.Status = "voided";
        }
        else
        {
            clawed = claim;
            session.DebitEarned(book, claim, Leg.System(SystemAccounts.Issuance, claim), entry, "clawback", ownLotId: lot.Id, allowNegative: true);
        }
        lot.ClawedBack += claim;
        session.Changed(lot);
        session.Publish(new PointsClawedBack
        {
            MemberId = book.MemberId, Channel = book.Channel, Reference = reference, PendingVoided = voided, EarnedClawedBack = clawed,
            BalanceAfter = book.Earned.Balance, At = session.Now,
        });
        return (voided, clawed);
    }

    /// <summary>L9: gives back up to <paramref name="points"/> redeemed by the order's hold, latest-expiring lots first.</summary>
    public static async Task ReturnRedeemedAsync(LedgerSession session, HoldRow hold, long? points, string key, CancellationToken ct)
    {
        var book = session.Book(hold.MemberId, hold.Channel);
        if (await session.AlreadyPostedAsync(book.Earned, key, ct)) return;
        var outstanding = await CheckoutHolds.OutstandingAsync(session, hold.Id.ToString(), ct);
        var left = Math.Min(points ?? long.MaxValue, outstanding.Sum(o => o.Points));
        if (left <= 0) return;
        var returns = new List<(LotRow, long)>();
        foreach (var (lot, taken) in outstanding.OrderByDescending(o => o.Lot.ExpiresAt).ThenByDescending(o => o.Lot.Id))
        {
            var give = Math.Min(left, taken);
            if (give == 0) break;
            returns.Add((lot, give));
            left -= give;
        }
        var total = returns.Sum(r => r.Item2);
        var expiredAgain = session.ReturnToLots(book, Leg.System(SystemAccounts.Redemption, -total),
            Entry.GiveBack(hold.Id.ToString(), key, hold.OrderId is { } o ? Actor.Order(o) : Actor.System("orders"), session.Now),
            returns, "return");
        session.Publish(new PointsReturned
        {
            MemberId = hold.MemberId, Channel = hold.Channel, Reference = hold.OrderId?.ToString() ?? hold.Id.ToString(), Points = total,
            ExpiredAgain = expiredAgain, At = session.Now,
        });
    }

    public static async Task<HoldRow?> HoldOfAsync(LedgerSession session, Guid? holdId, CancellationToken ct) =>
        holdId is { } id ? await CheckoutHolds.FindAsync(session, id, ct) : null;
}

/// <summary>
/// O4 → L4/L7/L9: a cancelled order. Unpaid: its hold is released. Paid: every point it earned is taken back and the
/// points it was paid with return to their lots.
/// </summary>
public sealed class OrderCancelledConsumer(IServiceProvider services) : InboxConsumer<OrderCancelled>(services)
{
    protected override async Task HandleAsync(OrderCancelled message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return;
        var session = new LedgerSession(tx, Outbox, Clock.GetUtcNow());
        var hold = await Clawbacks.HoldOfAsync(session, message.PointsHoldId, ct);
        var keys = new List<(Guid, string)> { (memberId, Channel.Online) };
        if (hold is not null) keys.Add((hold.MemberId, hold.Channel));
        await session.LockAsync(keys, ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();

        if (hold is not null)
        {
            hold = await Clawbacks.HoldOfAsync(session, hold.Id, ct); // re-read under the lock
            if (hold!.Status == "open") await CheckoutHolds.ReleaseAsync(session, hold, "order-cancelled", ct);
            else if (hold.Status == "committed") await Clawbacks.ReturnRedeemedAsync(session, hold, null, $"return:cancel:{message.OrderId}", ct);
        }
        if (message.WasPaid)
        {
            await Dapper.SqlMapper.ExecuteAsync(tx.Connection!, new Dapper.CommandDefinition(
                "insert into cancelled_orders (order_id, cancelled_at) values (@OrderId, @At) on conflict do nothing",
                new { message.OrderId, message.At }, tx, cancellationToken: ct));
            await Clawbacks.TakeBackAsync(session, session.Book(memberId, Channel.Online), message.OrderId.ToString(), null,
                $"clawback:cancel:{message.OrderId}", Actor.System("orders"), ct);
        }
        await session.SaveAsync(ct);
    }
}

/// <summary>O4/O5 → L7/L9: a refund claws back floor(points earned on the refunded amount) and returns the points given back.</summary>
public sealed class OrderRefundedConsumer(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<OrderRefunded>(services)
{
    protected override async Task HandleAsync(OrderRefunded message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.MemberId is not { } memberId) return;
        var session = new LedgerSession(tx, Outbox, Clock.GetUtcNow());
        var hold = message.PointsReturned > 0 ? await HoldOfOrderAsync(session, message.OrderId, ct) : null;
        var keys = new List<(Guid, string)> { (memberId, Channel.Online) };
        if (hold is not null) keys.Add((hold.MemberId, hold.Channel));
        await session.LockAsync(keys, ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();

        var points = Domain.Earning.Points(message.RefundUsd, policy.Value.EarnRate * message.EarnMultiplier, policy.Value.UsdPerPoint);
        if (points > 0)
        {
            await Clawbacks.TakeBackAsync(session, session.Book(memberId, Channel.Online), message.OrderId.ToString(), points,
                $"clawback:refund:{message.RefundId}", Actor.System("orders"), ct);
        }
        if (hold is { Status: "committed" }) await Clawbacks.ReturnRedeemedAsync(session, hold, message.PointsReturned, $"return:refund:{message.RefundId}", ct);
        await session.SaveAsync(ct);
    }

    private static async Task<HoldRow?> HoldOfOrderAsync(LedgerSession session, Guid orderId, CancellationToken ct)
    {
        var id = await Dapper.SqlMapper.ExecuteScalarAsync<Guid?>(session.Transaction.Connection!, new Dapper.CommandDefinition(
            "select id from holds where order_id = @orderId and status = 'committed' order by created_at desc limit 1",
            new { orderId }, session.Transaction, cancellationToken: ct));
        return await Clawbacks.HoldOfAsync(session, id, ct);
    }
}
