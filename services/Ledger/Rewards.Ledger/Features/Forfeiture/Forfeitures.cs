using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Holds;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Forfeiture;

/// <summary>
/// L14: a withdrawn or disqualified member's points stay usable for the grace period and are then forfeited: open
/// holds are released, every earned lot goes to the forfeiture account, pending lots are voided into it. A debt stays
/// (it is paid off under L15). Credits flagged as unauthorised are forfeited at once.
/// </summary>
internal static class Forfeitures
{
    public static Task ScheduleAsync(NpgsqlTransaction tx, Guid memberId, string reason, DateTimeOffset dueAt, DateTimeOffset now, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into forfeitures (member_id, reason, due_at, status, created_at) values (@memberId, @reason, @dueAt, 'scheduled', @now)
            on conflict (member_id) do update set reason = excluded.reason, due_at = least(forfeitures.due_at, excluded.due_at),
                status = 'scheduled', closed_at = null
            where forfeitures.status <> 'done'
            """, new { memberId, reason, dueAt, now }, tx, cancellationToken: ct));

    /// <summary>Forfeits everything of a member whose forfeiture is due and marks it done.</summary>
    public static async Task<long> ForfeitDueAsync(NpgsqlTransaction tx, Outbox outbox, Guid memberId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(memberId, Channel.Online), (memberId, Channel.Offline)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var points = await ForfeitAllAsync(session, memberId, reason, ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "update forfeitures set status = 'done', closed_at = @now where member_id = @memberId", new { memberId, now }, tx, cancellationToken: ct));
        await session.SaveAsync(ct);
        return points;
    }

    /// <summary>Forfeits everything the member has now, in both channels.</summary>
    public static async Task<long> ForfeitAllAsync(LedgerSession session, Guid memberId, string reason, CancellationToken ct)
    {
        var conn = session.Transaction.Connection!;
        var openHolds = await conn.QueryAsync<Guid>(new CommandDefinition(
            "select id from holds where member_id = @memberId and status = 'open'", new { memberId }, session.Transaction, cancellationToken: ct));
        foreach (var holdId in openHolds)
        {
            await CheckoutHolds.ReleaseAsync(session, (await CheckoutHolds.FindAsync(session, holdId, ct))!, "forfeiture", ct);
        }
        var pendingLots = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "select id from lots where member_id = @memberId and status = 'pending' and remaining > 0", new { memberId }, session.Transaction, cancellationToken: ct))).ToList();
        var pending = await session.LotsByIdAsync(pendingLots, ct);

        long total = 0;
        foreach (var channel in new[] { Channel.Online, Channel.Offline })
        {
            var book = session.Book(memberId, channel);
            long forfeited = 0;
            foreach (var lot in book.Lots.Where(l => l.Remaining > 0).ToList())
            {
                forfeited += ForfeitLot(session, book, lot, reason);
            }
            foreach (var lot in pending.Values.Where(l => l.Channel == channel))
            {
                var transactionId = session.Post(Entry.Forfeit(lot, reason, session.Now),
                    Leg.Of(book.Pending, -lot.Remaining), Leg.System(SystemAccounts.Forfeiture, lot.Remaining));
                session.Record(lot, lot.Remaining, transactionId, "forfeiture");
                forfeited += lot.Remaining;
                lot.Remaining = 0;
                lot.Status = "forfeited";
                session.Changed(lot);
            }
            if (forfeited > 0)
            {
                session.Publish(new PointsForfeited { MemberId = memberId, Channel = channel, Points = forfeited, Reason = reason, At = session.Now });
            }
            total += forfeited;
        }
        return total;
    }

    public static long ForfeitLot(LedgerSession session, Book book, LotRow lot, string reason)
    {
        var points = lot.Remaining;
        var transactionId = session.Post(Entry.Forfeit(lot, reason, session.Now),
            Leg.Of(book.Earned, -points), Leg.System(SystemAccounts.Forfeiture, points));
        session.Take(book, [new Allocation(lot.Id, points)], transactionId, "forfeiture", lot.Id.ToString());
        lot.Status = "forfeited";
        return points;
    }
}

public sealed class MemberWithdrawnConsumer(IServiceProvider services) : InboxConsumer<MemberWithdrawn>(services)
{
    protected override async Task HandleAsync(MemberWithdrawn message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        await Forfeitures.ScheduleAsync(tx, message.MemberId, "withdrawal", message.GraceEndsAt, now, ct);
        // Without a grace period (SOOM) the points go at once, not at the job's next run. Compared with the event's own
        // time too, as this service's clock may lag Membership's by a moment.
        if (message.GraceEndsAt <= message.At || message.GraceEndsAt <= now) await Forfeitures.ForfeitDueAsync(tx, Outbox, message.MemberId, "withdrawal", now, ct);
    }
}

public sealed class MemberDisqualifiedConsumer(IServiceProvider services) : InboxConsumer<MemberDisqualified>(services)
{
    protected override async Task HandleAsync(MemberDisqualified message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        await Forfeitures.ScheduleAsync(tx, message.MemberId, "disqualification", message.GraceEndsAt, now, ct);
        if (message.GraceEndsAt <= message.At || message.GraceEndsAt <= now)
        {
            await Forfeitures.ForfeitDueAsync(tx, Outbox, message.MemberId, "disqualification", now, ct);
            return;
        }
        if (message.UnauthorisedPostingIds.Count == 0) return;

        // The unauthorised credits' lots lose what is left at once.
        var session = new LedgerSession(tx, Outbox, Clock.GetUtcNow());
        await session.LockAsync([(message.MemberId, Channel.Online), (message.MemberId, Channel.Offline)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var lotIds = (await tx.Connection!.QueryAsync<Guid>(new CommandDefinition(
            "select distinct lot_id from postings p join accounts a on a.id = p.account_id where p.id = any(@ids) and a.member_id = @memberId and p.lot_id is not null",
            new { ids = message.UnauthorisedPostingIds.ToArray(), memberId = message.MemberId }, tx, cancellationToken: ct))).ToHashSet();
        foreach (var channel in new[] { Channel.Online, Channel.Offline })
        {
            var book = session.Book(message.MemberId, channel);
            var points = book.Lots.Where(l => lotIds.Contains(l.Id) && l.Remaining > 0).ToList()
                .Sum(lot => Forfeitures.ForfeitLot(session, book, lot, "unauthorised"));
            if (points > 0)
            {
                session.Publish(new PointsForfeited { MemberId = message.MemberId, Channel = channel, Points = points, Reason = "unauthorised", At = session.Now });
            }
        }
        await session.SaveAsync(ct);
    }
}

public sealed class MemberReinstatedConsumer(IServiceProvider services) : InboxConsumer<MemberReinstated>(services)
{
    protected override Task HandleAsync(MemberReinstated message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "update forfeitures set status = 'cancelled', closed_at = @at where member_id = @memberId and status = 'scheduled'",
            new { message.MemberId, at = Clock.GetUtcNow() }, tx, cancellationToken: ct));
}

public sealed class MemberErasedConsumer(IServiceProvider services) : InboxConsumer<MemberErased>(services)
{
    protected override async Task HandleAsync(MemberErased message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var session = new LedgerSession(tx, Outbox, now);
        await session.LockAsync([(message.MemberId, Channel.Online), (message.MemberId, Channel.Offline)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        await Forfeitures.ForfeitAllAsync(session, message.MemberId, "erasure", ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into forfeitures (member_id, reason, due_at, status, created_at, closed_at) values (@memberId, 'erasure', @now, 'done', @now, @now)
            on conflict (member_id) do update set status = 'done', closed_at = @now;
            delete from member_cards where member_id = @memberId;
            """, new { message.MemberId, now }, tx, cancellationToken: ct));
        await session.SaveAsync(ct);
    }
}

/// <summary>L14: forfeits the points of members whose grace period has ended, one member per transaction.</summary>
public sealed class ForfeitureJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock) : IClockJob
{
    public string Name => "forfeiture";
    public TimeSpan Interval => TimeSpan.FromMinutes(5);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        int members = 0;
        long points = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // SKIP LOCKED: two runs share the due members instead of queueing behind each other.
            var due = await conn.QuerySingleOrDefaultAsync<(Guid MemberId, string Reason)?>(new CommandDefinition(
                "select member_id, reason from forfeitures where status = 'scheduled' and due_at <= @now order by due_at limit 1 for update skip locked",
                new { now }, tx, cancellationToken: ct));
            if (due is not { } d) break;

            points += await Forfeitures.ForfeitDueAsync(tx, outbox, d.MemberId, d.Reason, now, ct);
            await tx.CommitAsync(ct);
            outbox.Flush();
            members++;
        }
        return new JobResult($"forfeited {points} points of {members} members", members);
    }
}
