using Dapper;
using Npgsql;

namespace Rewards.Ledger.Data;

public static class SystemAccounts
{
    public static readonly Guid Issuance = Guid.Parse("00000000-0000-7000-8000-00000000a001");
    public static readonly Guid Redemption = Guid.Parse("00000000-0000-7000-8000-00000000a002");
    public static readonly Guid Breakage = Guid.Parse("00000000-0000-7000-8000-00000000a003");
    public static readonly Guid Forfeiture = Guid.Parse("00000000-0000-7000-8000-00000000a004");
    public static readonly Guid Adjustment = Guid.Parse("00000000-0000-7000-8000-00000000a005");
    public static readonly Guid Payoff = Guid.Parse("00000000-0000-7000-8000-00000000a006");
}

public sealed record MemberAccounts(Guid Earned, Guid Pending);

/// <summary>One leg of a ledger transaction: a signed amount on one account.</summary>
public sealed record Leg(Guid AccountId, long Amount, bool MemberAccount);

/// <summary>A balanced set of postings (L1) with what every posting carries (L2).</summary>
public sealed record LedgerEntry(
    string Kind, string Reference, string IdempotencyKey, string CausedBy, DateTimeOffset At, Guid? LotId, IReadOnlyList<Leg> Legs);

/// <summary>
/// The one write path for postings. Member accounts are updated in account-id order (so concurrent transactions
/// cannot deadlock) to get each posting's running balance and gap-free sequence number; system accounts are
/// never updated, so they are not a hot row.
/// </summary>
public static class LedgerWriter
{
    public static async Task<MemberAccounts> EnsureAccountsAsync(NpgsqlTransaction tx, Guid memberId, string channel, DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var rows = (await conn.QueryAsync<(Guid Id, string Bucket)>(new CommandDefinition(
            "select id, bucket from accounts where member_id = @memberId and channel = @channel",
            new { memberId, channel }, tx, cancellationToken: ct))).ToList();
        if (rows.Count < 2)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                insert into accounts (id, member_id, channel, bucket, created_at)
                select gen_random_uuid(), @memberId, @channel, b, @now from unnest(array['earned', 'pending']) b
                on conflict (member_id, channel, bucket) where member_id is not null do nothing
                """, new { memberId, channel, now }, tx, cancellationToken: ct));
            rows = [.. await conn.QueryAsync<(Guid Id, string Bucket)>(new CommandDefinition(
                "select id, bucket from accounts where member_id = @memberId and channel = @channel",
                new { memberId, channel }, tx, cancellationToken: ct))];
        }
        return new MemberAccounts(rows.Single(r => r.Bucket == "earned").Id, rows.Single(r => r.Bucket == "pending").Id);
    }

    public static async Task<Guid> PostAsync(NpgsqlTransaction tx, LedgerEntry entry, CancellationToken ct)
    {
        if (entry.Legs.Count < 2 || entry.Legs.Sum(l => l.Amount) != 0)
            throw new InvalidOperationException($"Ledger transaction '{entry.Kind}' does not balance");

        var conn = tx.Connection!;
        var transactionId = Guid.CreateVersion7();
        var ids = new Guid[entry.Legs.Count];
        var accounts = new Guid[entry.Legs.Count];
        var amounts = new long[entry.Legs.Count];
        var seqs = new long?[entry.Legs.Count];
        var balances = new long?[entry.Legs.Count];
        var i = 0;
        foreach (var leg in entry.Legs.OrderBy(l => l.AccountId))
        {
            ids[i] = Guid.CreateVersion7();
            accounts[i] = leg.AccountId;
            amounts[i] = leg.Amount;
            if (leg.MemberAccount)
            {
                var (balance, seq) = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
                    """
                    update accounts set balance = balance + @amount, last_seq = last_seq + 1
                    where id = @id and member_id is not null returning balance, last_seq
                    """, new { id = leg.AccountId, amount = leg.Amount }, tx, cancellationToken: ct));
                seqs[i] = seq;
                balances[i] = balance;
            }
            i++;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            insert into postings (id, transaction_id, account_id, seq, kind, amount, balance_after, effective_at,
                                  reference, idempotency_key, caused_by, lot_id)
            select id, @transactionId, account_id, seq, @kind, amount, balance_after, @at, @reference, @idempotencyKey, @causedBy, @lotId
            from unnest(@ids, @accounts, @seqs, @amounts, @balances) as p(id, account_id, seq, amount, balance_after)
            """,
            new
            {
                transactionId, entry.Kind, entry.At, entry.Reference, entry.IdempotencyKey, entry.CausedBy, entry.LotId,
                ids, accounts, seqs, amounts, balances,
            }, tx, cancellationToken: ct));
        return transactionId;
    }
}
