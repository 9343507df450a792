using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Data;

/// <summary>
/// The one write path for postings, as a unit of work inside the caller's transaction:
/// <list type="number">
/// <item><see cref="LockAsync"/> locks every member account the work touches, in account-id order (so two sessions can
/// never deadlock), creating missing ones, and loads their earned lots. Lots change only under these locks.</item>
/// <item>The operation applies the pure rules of <c>Domain/</c> in memory: <see cref="Post"/>, <see cref="AddLot"/>,
/// <see cref="Take"/>, <see cref="Publish"/>. Running balances and gap-free sequence numbers are assigned here.</item>
/// <item><see cref="SaveAsync"/> writes lots, postings, allocations, account balances and outbox events in a few
/// set-based statements, whatever the number of operations in the session.</item>
/// </list>
/// System accounts are never locked or updated (their balances are sums of postings), so no row is hot for everyone.
/// </summary>
public sealed class LedgerSession(NpgsqlTransaction tx, Outbox outbox, DateTimeOffset now)
{
    private readonly Dictionary<(Guid, string), Book> _books = [];
    private readonly PendingWrites _writes = new();
    private readonly HashSet<(Guid, string)> _keys = [];
    private bool _locked;

    private const string LotColumns =
        """
        l.id, l.member_id as MemberId, l.channel, l.source, l.reference, l.amount, l.remaining, l.status, l.earned_at as EarnedAt,
        l.expires_at as ExpiresAt, l.activate_after as ActivateAfter, l.transferable, l.origin_lot_id as OriginLotId, l.clawed_back as ClawedBack
        """;

    public DateTimeOffset Now => now;
    public NpgsqlTransaction Transaction => tx;
    private NpgsqlConnection Connection => tx.Connection!;

    public Book Book(Guid memberId, string channel) =>
        _books.TryGetValue((memberId, channel), out var book) ? book
            : throw new InvalidOperationException($"Accounts of {memberId}/{channel} were not locked in this session");

    /// <summary>
    /// Locks (creating when missing) the accounts of every (member, channel) in <paramref name="keys"/> in one statement,
    /// ordered by account id. Call once per session, before any change.
    /// </summary>
    public async Task LockAsync(IEnumerable<(Guid MemberId, string Channel)> keys, CancellationToken ct)
    {
        if (_locked) throw new InvalidOperationException("A session locks its accounts once, so locks are always taken in id order");
        _locked = true;
        var distinct = keys.Distinct().ToArray();
        var members = distinct.Select(k => k.MemberId).ToArray();
        var channels = distinct.Select(k => k.Channel).ToArray();

        var rows = await SelectForUpdateAsync(members, channels, ct);
        if (rows.Count < distinct.Length * Buckets.All.Length)
        {
            await Connection.ExecuteAsync(new CommandDefinition(
                """
                insert into accounts (id, member_id, channel, bucket, created_at)
                select uuid_v7(), k.member_id, k.channel, b.bucket, @now
                from unnest(@members, @channels) k(member_id, channel) cross join unnest(@buckets) b(bucket)
                order by 2, 3, 4
                on conflict do nothing
                """, new { members, channels, buckets = Buckets.All, now }, tx, cancellationToken: ct));
            rows = await SelectForUpdateAsync(members, channels, ct);
        }
        foreach (var group in rows.GroupBy(a => (a.MemberId, a.Channel)))
        {
            _books[group.Key] = new Book
            {
                MemberId = group.Key.MemberId, Channel = group.Key.Channel,
                Earned = group.Single(a => a.Bucket == Buckets.Earned),
                Pending = group.Single(a => a.Bucket == Buckets.Pending),
                Held = group.Single(a => a.Bucket == Buckets.Held),
            };
        }
    }

    /// <summary>
    /// Loads the earned lots with points left of every locked account, for operations that take points out of lots
    /// (FIFO, L5). Lots past their date are loaded too: <see cref="ExpireDueLots"/> takes them out.
    /// </summary>
    public async Task LoadLotsAsync(CancellationToken ct)
    {
        var members = _books.Keys.Select(k => k.Item1).ToArray();
        var channels = _books.Keys.Select(k => k.Item2).ToArray();
        var lots = await Connection.QueryAsync<LotRow>(new CommandDefinition(
            $"""
            select {LotColumns}
            from lots l join unnest(@members, @channels) k(member_id, channel) using (member_id, channel)
            where l.status = 'earned' and l.remaining > 0
            """, new { members, channels }, tx, cancellationToken: ct));
        foreach (var lot in lots) _books[(lot.MemberId, lot.Channel)].Lots.Add(lot);
    }

    /// <summary>L6: before points are spent or counted, the loaded lots past their date lose what is left to breakage.</summary>
    public void ExpireDueLots()
    {
        foreach (var book in _books.Values) ExpireDue(book);
    }

    private async Task<List<Account>> SelectForUpdateAsync(Guid[] members, string[] channels, CancellationToken ct) =>
        [.. await Connection.QueryAsync<Account>(new CommandDefinition(
            """
            select a.id, a.member_id as MemberId, a.channel, a.bucket, a.balance, a.last_seq as LastSeq
            from accounts a join unnest(@members, @channels) k(member_id, channel) using (member_id, channel)
            order by a.id
            for update of a
            """, new { members, channels }, tx, cancellationToken: ct))];

    /// <summary>Loads a lot of a locked account that is not among the earned lots (e.g. a pending purchase lot).</summary>
    public async Task<LotRow?> FindLotAsync(Guid memberId, string channel, string source, string reference, CancellationToken ct)
    {
        var book = Book(memberId, channel);
        var loaded = book.Lots.FirstOrDefault(l => l.Source == source && l.Reference == reference && l.OriginLotId is null)
                     ?? _writes.NewLots.FirstOrDefault(l => l.MemberId == memberId && l.Channel == channel && l.Source == source && l.Reference == reference);
        if (loaded is not null) return loaded;
        var lot = await Connection.QuerySingleOrDefaultAsync<LotRow>(new CommandDefinition(
            $"""
            select {LotColumns}
            from lots l where member_id = @memberId and channel = @channel and source = @source and reference = @reference and origin_lot_id is null
            """, new { memberId, channel, source, reference }, tx, cancellationToken: ct));
        return lot;
    }

    /// <summary>Loads lots by id (for returns into lots that may be used up or expired).</summary>
    public async Task<Dictionary<Guid, LotRow>> LotsByIdAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var result = new Dictionary<Guid, LotRow>();
        var missing = new List<Guid>();
        foreach (var id in ids.Distinct())
        {
            var known = _books.Values.SelectMany(b => b.Lots).Concat(_writes.NewLots).Concat(_writes.ChangedLots).FirstOrDefault(l => l.Id == id);
            if (known is not null) result[id] = known;
            else missing.Add(id);
        }
        if (missing.Count == 0) return result;
        foreach (var lot in await Connection.QueryAsync<LotRow>(new CommandDefinition(
            $"""
            select {LotColumns}
            from lots l where id = any(@missing)
            """, new { missing }, tx, cancellationToken: ct)))
        {
            result[lot.Id] = lot;
        }
        return result;
    }

    /// <summary>True when <paramref name="account"/> already has a posting with <paramref name="idempotencyKey"/>.</summary>
    public async Task<bool> AlreadyPostedAsync(Account account, string idempotencyKey, CancellationToken ct) =>
        _keys.Contains((account.Id, idempotencyKey))
        || await Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from posting_keys where account_id = @id and idempotency_key = @idempotencyKey)",
            new { id = account.Id, idempotencyKey }, tx, cancellationToken: ct));

    /// <summary>Records a balanced ledger transaction (L1, L2); returns its id.</summary>
    public Guid Post(Entry entry, params Leg[] legs)
    {
        if (legs.Length < 2 || legs.Sum(l => l.Amount) != 0)
            throw new InvalidOperationException($"Ledger transaction '{entry.Kind}' does not balance");
        var transactionId = Guid.CreateVersion7();
        foreach (var leg in legs.OrderBy(l => l.AccountId))
        {
            if (leg.Member is { } account)
            {
                if (!_keys.Add((account.Id, entry.IdempotencyKey)))
                    throw new InvalidOperationException($"Posting key '{entry.IdempotencyKey}' used twice on account {account.Id}");
                var before = account.Balance;
                account.Balance += leg.Amount;
                account.LastSeq++;
                account.Changed = true;
                _writes.Postings.Add(new PostingRow(Guid.CreateVersion7(), transactionId, account.Id, account.LastSeq, entry.Kind, leg.Amount,
                    account.Balance, entry.At, entry.Reference, entry.IdempotencyKey, entry.CausedBy, entry.LotId));
                if (account.Bucket == Buckets.Earned && before >= 0 && account.Balance < 0)
                {
                    Publish(new BalanceWentNegative { MemberId = account.MemberId, Channel = account.Channel, Balance = account.Balance, At = entry.At });
                }
            }
            else
            {
                _writes.Postings.Add(new PostingRow(Guid.CreateVersion7(), transactionId, leg.AccountId, null, entry.Kind, leg.Amount,
                    null, entry.At, entry.Reference, entry.IdempotencyKey, entry.CausedBy, entry.LotId));
            }
        }
        return transactionId;
    }

    /// <summary>The id of the posting that transaction <paramref name="transactionId"/> made on <paramref name="account"/>.</summary>
    public Guid PostingIdOf(Guid transactionId, Account account) =>
        _writes.Postings.First(p => p.TransactionId == transactionId && p.AccountId == account.Id).Id;

    public LotRow AddLot(Book book, LotSource source, string reference, long amount, string status, DateTimeOffset? earnedAt,
        DateTimeOffset? expiresAt, bool transferable, Guid? originLotId = null, DateTimeOffset? activateAfter = null)
    {
        var lot = new LotRow
        {
            Id = Guid.CreateVersion7(), MemberId = book.MemberId, Channel = book.Channel, Source = LotSources.Name(source),
            Reference = reference, Amount = amount, Remaining = amount, Status = status, EarnedAt = earnedAt, ExpiresAt = expiresAt,
            ActivateAfter = activateAfter, Transferable = transferable, OriginLotId = originLotId,
        };
        _writes.NewLots.Add(lot);
        if (status == "earned") book.Lots.Add(lot);
        return lot;
    }

    public void Changed(LotRow lot)
    {
        if (!_writes.NewLots.Contains(lot)) _writes.ChangedLots.Add(lot);
    }

    /// <summary>Takes <paramref name="allocation"/>'s points out of their lots and records which lots paid (L5).</summary>
    public void Take(Book book, IEnumerable<Allocation> allocation, Guid transactionId, string kind, string reference)
    {
        foreach (var a in allocation)
        {
            var lot = book.Lots.Single(l => l.Id == a.LotId);
            lot.Remaining -= a.Points;
            Changed(lot);
            _writes.Allocations.Add(new AllocationRow(transactionId, lot.Id, kind, reference, a.Points));
        }
    }

    /// <summary>
    /// Records that <paramref name="points"/> left <paramref name="lot"/> other than by an allocation to a debit: a
    /// pending lot voided or forfeited, or points activated or returned into the lot that paid a negative balance
    /// instead (L8). With the allocations and the expire postings this makes every lot's remaining derivable from the
    /// ledger (L5); /ops/verify checks it.
    /// </summary>
    public void Record(LotRow lot, long points, Guid transactionId, string kind)
    {
        if (points != 0) _writes.Allocations.Add(new AllocationRow(transactionId, lot.Id, kind, $"{kind}:{lot.Id}", points));
    }

    /// <summary>Records that <paramref name="points"/> went back towards <paramref name="lot"/> (a negative allocation).</summary>
    public void RecordReturn(LotRow lot, long points, Guid transactionId, string kind, string reference) =>
        _writes.Allocations.Add(new AllocationRow(transactionId, lot.Id, kind, reference, -points));

    /// <summary>Gives points back to a lot they were taken from (the negative allocation).</summary>
    public void GiveBack(LotRow lot, long points, Guid transactionId, string kind, string reference)
    {
        lot.Remaining += points;
        Changed(lot);
        _writes.Allocations.Add(new AllocationRow(transactionId, lot.Id, kind, reference, -points));
    }

    /// <summary>L6: earned lots of <paramref name="book"/> whose expiry has passed lose what is left to breakage.</summary>
    public void ExpireDue(Book book)
    {
        foreach (var lot in book.Lots.Where(l => l.Remaining > 0 && l.ExpiresAt <= now).OrderBy(l => l.ExpiresAt).ThenBy(l => l.Id).ToList())
        {
            Expire(book, lot, lot.Remaining, $"expire:{lot.Id}");
        }
    }

    /// <summary>Expires <paramref name="points"/> of <paramref name="lot"/> now (it must be past its expiry).</summary>
    public void Expire(Book book, LotRow lot, long points, string idempotencyKey)
    {
        var entry = Entry.Expire(lot, idempotencyKey);
        Post(entry, Leg.Of(book.Earned, -points), Leg.System(SystemAccounts.Breakage, points));
        lot.Remaining -= points;
        if (lot.Remaining == 0) lot.Status = "expired";
        Changed(lot);
        Publish(new PointsExpired { MemberId = book.MemberId, Channel = book.Channel, Points = points, LotIds = [lot.Id], At = entry.At });
    }

    public void Publish(object message) => _writes.Events.Add(message);

    /// <summary>A statement of the caller's to send with the session's writes (in the same round trip).</summary>
    public void SaveAlso(NpgsqlBatchCommand statement) => _writes.AlsoSaved.Add(statement);

    /// <summary>
    /// A row of the caller's own table to insert with the session's writes; the rows given the same
    /// <paramref name="insert"/> go into one statement, however many operations the session holds.
    /// </summary>
    public void SaveAlso<T>(T row, Func<IReadOnlyList<T>, NpgsqlBatchCommand> insert) where T : notnull
    {
        if (!_writes.AlsoInserted.TryGetValue(insert, out var group))
        {
            _writes.AlsoInserted[insert] = group = ([], rows => insert([.. rows.Cast<T>()]));
        }
        group.Rows.Add(row);
    }

    /// <summary>Writes everything the session did in a handful of set-based statements, sent in one round trip.</summary>
    public Task SaveAsync(CancellationToken ct) =>
        _writes.SaveAsync(tx, outbox, _books.Values.SelectMany(b => new[] { b.Earned, b.Pending, b.Held }).Where(a => a.Changed), now, ct);
}
