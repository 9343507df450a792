using System.Threading.Channels;
using Channel = Rewards.Ledger.Domain.Channel;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Partners;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Credits;

/// <summary>
/// A credit of points to one member account: an earned lot (ops credits, promotions) or, with <see cref="Pending"/>,
/// a pending purchase lot (L4). <see cref="InboxClaim"/> makes a consumed message's effect commit with its inbox row.
/// </summary>
public sealed record CreditCommand
{
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public required long Points { get; init; }
    public required CreditSource From { get; init; }
    /// <summary>Unique per member account: a second credit with the same key returns the first one's result.</summary>
    public required string IdempotencyKey { get; init; }
    public required Actor CausedBy { get; init; }
    public required DateTimeOffset EarnedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Set for purchase points that stay pending until they activate (L4).</summary>
    public PendingCredit? Pending { get; init; }
    /// <summary>The message (or signed request) the credit comes from, received once: a second time it changes nothing.</summary>
    public Inbox.Claim? InboxClaim { get; init; }
    /// <summary>The nonce of the signed partner request the credit comes from, claimed with the credit (a replay changes nothing).</summary>
    public PartnerNonce? Nonce { get; init; }
    /// <summary>Refuse the credit (<see cref="CreditStatus.UnknownMember"/>) rather than open accounts for a member the Ledger has never seen.</summary>
    public bool MemberMustBeKnown { get; init; }
    public CreditIdempotency? Idempotency { get; init; }
    /// <summary>What the caller writes with the credit, in its transaction, once the outcome is known (its own records, events).</summary>
    public Action<LedgerSession, CreditOutcome>? Also { get; init; }
    /// <summary>
    /// <see cref="Also"/> publishes the event that tells of this credit (a partner purchase's, with the lot id), so the
    /// generic <see cref="PointsPending"/> or <see cref="PointsEarned"/> is not published as well.
    /// </summary>
    public bool AlsoAnnounces { get; init; }
}

/// <summary>
/// When pending points activate (L4): at <see cref="ActivateAfter"/> when that is known now (a purchase in a partner
/// store), otherwise 48 h after the delivery of the credit's <see cref="CreditSource.Order"/>, known once it is
/// delivered. A purchase of a cancelled order earns nothing.
/// </summary>
public sealed record PendingCredit
{
    public DateTimeOffset? ActivateAfter { get; init; }
}

/// <summary>
/// An HTTP credit's Idempotency-Key, recorded in the credit's transaction with the response <see cref="Respond"/> makes
/// of its outcome; a repeat gets <see cref="CreditStatus.KeyUsedBefore"/> and that response.
/// </summary>
public sealed record CreditIdempotency(IdempotencyClaim Claim, Func<CreditOutcome, IdempotencyRecord> Respond);

public enum CreditStatus
{
    Credited,
    /// <summary>The idempotency key or the purchase was credited before; the ids are the first credit's.</summary>
    AlreadyCredited,
    /// <summary>L12: the receipt was credited before (to this or another member).</summary>
    ReceiptAlreadyCredited,
    /// <summary>The message (or signed request) was handled before.</summary>
    AlreadyHandled,
    /// <summary>The Ledger knows no such member (<see cref="CreditCommand.MemberMustBeKnown"/>); nothing was written.</summary>
    UnknownMember,
    /// <summary>L3: the purchase was made before the member enrolled; it earns nothing.</summary>
    PurchaseBeforeEnrolment,
    /// <summary>L3/L14: a withdrawn, disqualified or erased member earns nothing from purchases; nor does a cancelled order, nor a credit of 0 points.</summary>
    NotEligible,
    /// <summary>The Idempotency-Key was recorded before, with <see cref="CreditOutcome.FirstResponse"/>.</summary>
    KeyUsedBefore,
}

public sealed record CreditOutcome(
    CreditStatus Status, Guid? PostingId = null, Guid? TransactionId = null, Guid? LotId = null, long PaidDebt = 0, long LotPoints = 0,
    IdempotencyRecord? FirstResponse = null);

/// <summary>
/// Credits go through here so that concurrent ones share a transaction: each worker takes whatever is queued (up to
/// <see cref="MaxBatch"/>), locks the accounts involved in id order, applies every credit in memory and writes them
/// with a few set-based statements and one commit. One bad item does not fail the others: if a batch fails, each of
/// its credits is retried alone on a new connection, and only the one at fault gets the error. Each worker keeps its
/// own connection (<see cref="WorkerConnection"/>).
/// </summary>
public sealed class CreditBatcher(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy,
    ILogger<CreditBatcher> logger) : BackgroundService
{
    private const int MaxBatch = 256;
    /// <summary>
    /// L3 compares a store's purchase time with Membership's enrolment time, and their clocks differ: a purchase made
    /// as the member enrolled at the till still earns.
    /// </summary>
    private static readonly TimeSpan EnrolmentTolerance = TimeSpan.FromMinutes(5);
    private const int Workers = 2;
    private readonly System.Threading.Channels.Channel<Work> _queue = System.Threading.Channels.Channel.CreateBounded<Work>(new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.Wait });

    public async Task<CreditOutcome> CreditAsync(CreditCommand command, CancellationToken ct)
    {
        var work = new Work(command, new TaskCompletionSource<CreditOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(work, ct);
        return await work.Done.Task.WaitAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => RunAsync(stoppingToken), stoppingToken)));

    private async Task RunAsync(CancellationToken stop)
    {
        var batch = new List<Work>(MaxBatch);
        await using var connection = new WorkerConnection(db);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work)) batch.Add(work);
                if (batch.Count == 0) continue;
                try
                {
                    await ProcessAsync(connection, batch, stop);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    // Also when the batch is a single credit: the kept connection may have been closed by the server.
                    logger.LogWarning(ex, "A batch of {Count} credits failed; retrying each alone on a new connection", batch.Count);
                    await connection.DropAsync();
                    foreach (var work in batch) await ProcessAloneAsync(connection, work, stop);
                }
                catch (Exception ex)
                {
                    foreach (var work in batch) work.Done.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        while (_queue.Reader.TryRead(out var left)) left.Done.TrySetCanceled(stop);
    }

    private async Task ProcessAloneAsync(WorkerConnection connection, Work work, CancellationToken stop)
    {
        try
        {
            await ProcessAsync(connection, [work], stop);
        }
        catch (Exception ex)
        {
            await connection.DropAsync();
            work.Done.TrySetException(ex);
        }
    }

    private async Task ProcessAsync(WorkerConnection connection, IReadOnlyList<Work> batch, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var outcomes = new CreditOutcome?[batch.Count];
        var conn = await connection.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        // Messages handled before are skipped; their inbox rows commit with the credits.
        var inbox = batch.Select((w, i) => (Claim: w.Command.InboxClaim, i)).Where(x => x.Claim is not null).ToList();
        if (inbox.Count > 0)
        {
            var fresh = await Inbox.ClaimAsync(tx, [.. inbox.Select(x => x.Claim!)], now, ct);
            foreach (var (claim, i) in inbox)
            {
                if (!fresh.Remove((claim!.MessageId, claim.Consumer))) outcomes[i] = new CreditOutcome(CreditStatus.AlreadyHandled);
            }
        }

        var signed = Enumerable.Range(0, batch.Count).Where(i => outcomes[i] is null && batch[i].Command.Nonce is not null).ToList();
        if (signed.Count > 0)
        {
            var unseen = await PartnerNonces.ClaimAsync(conn, tx, [.. signed.Select(i => batch[i].Command.Nonce!)], now, ct);
            foreach (var i in signed.Where(i => !unseen.Remove(batch[i].Command.Nonce!))) outcomes[i] = new CreditOutcome(CreditStatus.AlreadyHandled);
        }

        // A member the credit may not open accounts for is checked before the accounts are locked (and opened).
        var vetted = Enumerable.Range(0, batch.Count).Where(i => outcomes[i] is null && batch[i].Command.MemberMustBeKnown).ToList();
        if (vetted.Count > 0)
        {
            var members = await CreditLookups.KnownMembersAsync(conn, tx, [.. vetted.Select(i => batch[i].Command.MemberId)], ct);
            foreach (var i in vetted.Where(i => !members.Contains(batch[i].Command.MemberId))) outcomes[i] = new CreditOutcome(CreditStatus.UnknownMember);
        }

        var session = new LedgerSession(tx, outbox, now);
        var live = Enumerable.Range(0, batch.Count).Where(i => outcomes[i] is null).ToList();
        await session.LockAsync(live.Select(i => (batch[i].Command.MemberId, batch[i].Command.Channel)), ct);
        var known = await CreditLookups.LoadAsync(tx, session, [.. live.Select(i => batch[i].Command)], ct);
        var recording = new List<(IdempotencyClaim, IdempotencyRecord)>();

        foreach (var i in live)
        {
            var command = batch[i].Command;
            var claim = command.Idempotency?.Claim;
            if (claim is not null && known.Recorded.TryGetValue((claim.Scope, claim.Key), out var firstResponse))
            {
                outcomes[i] = new CreditOutcome(CreditStatus.KeyUsedBefore, FirstResponse: firstResponse);
                continue;
            }
            var book = session.Book(command.MemberId, command.Channel);
            if (CreditLookups.KeysOf(book, command).Select(k => known.Earlier.GetValueOrDefault(k)).FirstOrDefault(o => o is not null) is { } first)
            {
                outcomes[i] = first;
                continue;
            }
            var outcome = CreditLookups.IsStorePurchase(command) && known.Enrolled.TryGetValue(command.MemberId, out var enrolledAt)
                                                                  && command.EarnedAt < enrolledAt - EnrolmentTolerance
                    ? new CreditOutcome(CreditStatus.PurchaseBeforeEnrolment)
                : command.Points == 0 || command.From.Lot == LotSource.Purchase && known.Leaving.Contains(command.MemberId)
                                      || command.From is CreditSource.Order o && known.Cancelled.Contains(o.OrderId)
                    ? new CreditOutcome(CreditStatus.NotEligible)
                : command.Pending is { } pending ? CreditPending(session, book, command, pending.ActivateAfter ?? ActivationOf(command, known))
                : CreditEarned(session, book, command);
            outcomes[i] = outcome;
            command.Also?.Invoke(session, outcome);
            if (command.Idempotency is { } idempotency)
            {
                var response = idempotency.Respond(outcome);
                known.Recorded[(idempotency.Claim.Scope, idempotency.Claim.Key)] = response;
                recording.Add((idempotency.Claim, response));
            }
            if (outcome.Status != CreditStatus.Credited) continue;
            foreach (var key in CreditLookups.KeysOf(book, command))
            {
                known.Earlier[key] = outcome with { Status = key is CreditLookups.ReceiptKey ? CreditStatus.ReceiptAlreadyCredited : CreditStatus.AlreadyCredited };
            }
        }
        if (recording.Count > 0) session.SaveAlso(IdempotencyRecords.InsertCommand(recording, now));
        await session.SaveAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Flush();
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i]!);
    }

    private static CreditOutcome CreditEarned(LedgerSession session, Book book, CreditCommand c)
    {
        var expiresAt = c.ExpiresAt ?? throw new InvalidOperationException("An earned credit needs its expiry");
        var (transactionId, lot, paidDebt) = session.CreditEarned(book, c.Points, c.From.SystemAccount,
            Entry.Earn(c.From.PostingKind, c.From.Reference, c.IdempotencyKey, c.CausedBy, c.EarnedAt),
            points => session.AddLot(book, c.From.Lot, c.From.Reference, points, "earned", c.EarnedAt, expiresAt, c.From.Transferable));
        if (lot is not null && !c.AlsoAnnounces)
        {
            session.Publish(new PointsEarned { MemberId = c.MemberId, Channel = c.Channel, LotId = lot.Id, Points = lot.Amount, ExpiresAt = expiresAt, At = c.EarnedAt });
        }
        return new CreditOutcome(CreditStatus.Credited, session.PostingIdOf(transactionId, book.Earned), transactionId, lot?.Id, paidDebt, lot?.Amount ?? 0);
    }

    /// <summary>An order delivered before its payment was credited activates 48 h after that delivery; otherwise not yet known.</summary>
    private DateTimeOffset? ActivationOf(CreditCommand c, CreditLookups known) =>
        c.From is CreditSource.Order o && known.Deliveries.TryGetValue(o.OrderId, out var deliveredAt) ? deliveredAt.AddHours(policy.Value.PendingHours) : null;

    private static CreditOutcome CreditPending(LedgerSession session, Book book, CreditCommand c, DateTimeOffset? activateAfter)
    {
        var lot = session.AddLot(book, c.From.Lot, c.From.Reference, c.Points, "pending", null, null, c.From.Transferable, activateAfter: activateAfter);
        var transactionId = session.Post(Entry.Earn(c.From.PostingKind, c.From.Reference, c.IdempotencyKey, c.CausedBy, c.EarnedAt, lot.Id),
            Leg.System(c.From.SystemAccount, -c.Points), Leg.Of(book.Pending, c.Points));
        if (!c.AlsoAnnounces)
        {
            session.Publish(new PointsPending { MemberId = c.MemberId, Channel = c.Channel, LotId = lot.Id, Points = c.Points, Reference = c.From.Reference, At = c.EarnedAt });
        }
        return new CreditOutcome(CreditStatus.Credited, session.PostingIdOf(transactionId, book.Pending), transactionId, lot.Id, 0, c.Points);
    }

    private sealed record Work(CreditCommand Command, TaskCompletionSource<CreditOutcome> Done);
}
