using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Credits;

/// <summary>
/// What a batch of credits is decided on: the Idempotency-Key answers recorded before (<see cref="Recorded"/>), the
/// credits done before under any of the batch's keys (<see cref="Earlier"/>), the orders delivered (when pending
/// points activate, L4) or cancelled, the members who no longer earn (L14) and when purchasing members enrolled (L3).
/// The batch adds its own decisions, so a second credit of the same key in one batch finds the first.
/// </summary>
public sealed record CreditLookups(
    Dictionary<(string, string), IdempotencyRecord> Recorded, Dictionary<CreditLookups.DoneKey, CreditOutcome> Earlier,
    Dictionary<Guid, DateTimeOffset> Deliveries, HashSet<Guid> Leaving, Dictionary<Guid, DateTimeOffset> Enrolled, HashSet<Guid> Cancelled)
{
    /// <summary>Something a credit can have been done under before.</summary>
    public abstract record DoneKey;
    /// <summary>A posting with this idempotency key on the account the credit goes to.</summary>
    public sealed record PostingKey(Guid AccountId, string IdempotencyKey) : DoneKey;
    /// <summary>L3: a shop order earns once per member account, whatever the events that announce it.</summary>
    public sealed record PurchaseKey(Guid MemberId, string Channel, string Reference) : DoneKey;
    /// <summary>L12: a receipt is credited once, to whichever member.</summary>
    public sealed record ReceiptKey(string Reference) : DoneKey;

    /// <summary>A purchase in a store (a partner's): its time comes from the store, so it can precede the enrolment (L3).</summary>
    public static bool IsStorePurchase(CreditCommand c) => c.From is CreditSource.PartnerPurchase;

    private static Guid TargetAccount(Book book, CreditCommand c) => c.Pending is null ? book.Earned.Id : book.Pending.Id;

    /// <summary>The keys under which a credit counts as done: its idempotency key, its purchase, its receipt.</summary>
    public static IEnumerable<DoneKey> KeysOf(Book book, CreditCommand c)
    {
        yield return new PostingKey(TargetAccount(book, c), c.IdempotencyKey);
        if (c.From is CreditSource.Order order) yield return new PurchaseKey(c.MemberId, c.Channel, order.Reference);
        if (c.From is CreditSource.Receipt receipt) yield return new ReceiptKey(receipt.Number);
    }

    /// <summary>Everything a batch of credits is decided on, read in the batch's transaction after its accounts are locked.</summary>
    public static async Task<CreditLookups> LoadAsync(NpgsqlTransaction tx, LedgerSession session, CreditCommand[] commands, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var (recorded, earlier) = await EarlierCreditsAsync(conn, tx, session, commands, ct);
        var orders = commands.Select(c => c.From).OfType<CreditSource.Order>().Select(o => o.OrderId).ToArray();
        // A shop order cannot be placed before its member enrolled (it needs their login); a store's purchase can (L3).
        var (leaving, enrolled) = await PurchasingMembersAsync(conn, tx, [.. commands.Where(c => c.From.Lot == LotSource.Purchase).Select(c => c.MemberId)],
            [.. commands.Where(IsStorePurchase).Select(c => c.MemberId)], ct);
        return new CreditLookups(recorded, earlier, await DeliveriesAsync(conn, tx, orders, ct), leaving, enrolled,
            await CancelledOrdersAsync(conn, tx, orders, ct));
    }

    /// <summary>
    /// The batch's Idempotency-Key records, and the credits already in the database under any of the batch's keys
    /// (the accounts are locked, so neither can race).
    /// </summary>
    private static async Task<(Dictionary<(string, string), IdempotencyRecord> Recorded, Dictionary<DoneKey, CreditOutcome> Earlier)> EarlierCreditsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, LedgerSession session, CreditCommand[] commands, CancellationToken ct)
    {
        var result = new Dictionary<DoneKey, CreditOutcome>();
        var accounts = commands.Select(c => TargetAccount(session.Book(c.MemberId, c.Channel), c)).ToArray();
        var claims = commands.Select(c => c.Idempotency?.Claim).OfType<IdempotencyClaim>().ToArray();
        // One round trip for both look-ups.
        using var found = await conn.QueryMultipleAsync(new CommandDefinition(
            $"""
            {IdempotencyRecords.FindSql};
            select k.account_id as AccountId, k.idempotency_key as Key, p.posting_id as PostingId, p.transaction_id as TransactionId, p.lot_id as LotId
            from unnest(@accounts, @keys) k(account_id, idempotency_key)
            cross join lateral (
                select posting_id, transaction_id, lot_id from posting_keys p
                where p.account_id = k.account_id and p.idempotency_key = k.idempotency_key
                limit 1 -- one index probe per key
            ) p
            """,
            new
            {
                claimScopes = claims.Select(c => c.Scope).ToArray(), claimKeys = claims.Select(c => c.Key).ToArray(),
                accounts, keys = commands.Select(c => c.IdempotencyKey).ToArray(),
            }, tx, cancellationToken: ct));
        var recorded = IdempotencyRecords.Found(await found.ReadAsync<IdempotencyRecords.FoundRecord>());
        foreach (var row in await found.ReadAsync<(Guid AccountId, string Key, Guid PostingId, Guid TransactionId, Guid? LotId)>())
        {
            result[new PostingKey(row.AccountId, row.Key)] = new CreditOutcome(CreditStatus.AlreadyCredited, row.PostingId, row.TransactionId, row.LotId);
        }

        var purchases = commands.Where(c => c.From is CreditSource.Order).ToArray();
        if (purchases.Length > 0)
        {
            foreach (var row in await conn.QueryAsync<(Guid MemberId, string Channel, string Reference, Guid Id)>(new CommandDefinition(
                """
                select k.member_id, k.channel, k.reference, l.id
                from unnest(@members, @channels, @references) k(member_id, channel, reference)
                cross join lateral (
                    select id from lots l
                    where l.member_id = k.member_id and l.channel = k.channel and l.reference = k.reference
                      and l.source = 'purchase' and l.origin_lot_id is null
                    limit 1 -- one index probe per key, whatever the prepared plan guesses of the array's size
                ) l
                """,
                new
                {
                    members = purchases.Select(c => c.MemberId).ToArray(), channels = purchases.Select(c => c.Channel).ToArray(),
                    references = purchases.Select(c => c.From.Reference).ToArray(),
                }, tx, cancellationToken: ct)))
            {
                result[new PurchaseKey(row.MemberId, row.Channel, row.Reference)] = new CreditOutcome(CreditStatus.AlreadyCredited, LotId: row.Id);
            }
        }

        var receipts = commands.Select(c => c.From).OfType<CreditSource.Receipt>().Select(r => r.Number).ToArray();
        if (receipts.Length > 0)
        {
            foreach (var receipt in await conn.QueryAsync<string>(new CommandDefinition(
                "select reference from lots where source = 'missed-earning' and origin_lot_id is null and reference = any(@receipts)", new { receipts }, tx, cancellationToken: ct)))
            {
                result[new ReceiptKey(receipt)] = new CreditOutcome(CreditStatus.ReceiptAlreadyCredited);
            }
        }
        return (recorded, result);
    }

    private static async Task<Dictionary<Guid, DateTimeOffset>> DeliveriesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] orderIds, CancellationToken ct) =>
        orderIds.Length == 0 ? [] : (await conn.QueryAsync<(Guid OrderId, DateTimeOffset DeliveredAt)>(new CommandDefinition(
            "select order_id, delivered_at from order_deliveries where order_id = any(@orderIds)", new { orderIds }, tx, cancellationToken: ct)))
            .ToDictionary(r => r.OrderId, r => r.DeliveredAt);

    /// <summary>Of the members of purchases, those who no longer earn (L14); of <paramref name="storeBuyers"/>, when each enrolled (L3).</summary>
    private static async Task<(HashSet<Guid> Leaving, Dictionary<Guid, DateTimeOffset> Enrolled)> PurchasingMembersAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] members, Guid[] storeBuyers, CancellationToken ct)
    {
        if (members.Length == 0) return ([], []);
        using var found = await conn.QueryMultipleAsync(new CommandDefinition(
            $"""
            {NoLongerEarningSql};
            select member_id, registered_at from member_enrolments where member_id = any(@storeBuyers)
            """, new { members, storeBuyers }, tx, cancellationToken: ct));
        return ((await found.ReadAsync<Guid>()).ToHashSet(),
            (await found.ReadAsync<(Guid MemberId, DateTimeOffset RegisteredAt)>()).ToDictionary(r => r.MemberId, r => r.RegisteredAt));
    }

    /// <summary>L3/L14: of <c>@members</c>, those who earn no more: leaving (withdrawn, disqualified, erased) or suspended.</summary>
    private const string NoLongerEarningSql = """
        select member_id from forfeitures where member_id = any(@members) and status <> 'cancelled'
        union select member_id from member_suspensions where member_id = any(@members)
        """;

    /// <summary>Of <paramref name="members"/>, those who earn no more (L3, L14).</summary>
    public static async Task<HashSet<Guid>> NoLongerEarningAsync(NpgsqlConnection conn, Guid[] members, CancellationToken ct) =>
        (await conn.QueryAsync<Guid>(new CommandDefinition(NoLongerEarningSql, new { members }, cancellationToken: ct))).ToHashSet();

    /// <summary>Of <paramref name="members"/>, those the Ledger knows: enrolled, or with accounts.</summary>
    public static async Task<HashSet<Guid>> KnownMembersAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid[] members, CancellationToken ct) =>
        (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            select m.member_id from unnest(@members) m(member_id)
            where exists (select 1 from member_enrolments e where e.member_id = m.member_id)
               or exists (select 1 from accounts a where a.member_id = m.member_id)
            """, new { members = members.Distinct().ToArray() }, tx, cancellationToken: ct))).ToHashSet();

    private static async Task<HashSet<Guid>> CancelledOrdersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] orderIds, CancellationToken ct) =>
        orderIds.Length == 0 ? [] : (await conn.QueryAsync<Guid>(new CommandDefinition(
            "select order_id from cancelled_orders where order_id = any(@orderIds)", new { orderIds }, tx, cancellationToken: ct))).ToHashSet();
}
