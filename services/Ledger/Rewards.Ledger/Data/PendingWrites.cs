using Npgsql;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Data;

/// <summary>What a <see cref="LedgerSession"/> has changed and not yet written, and how it is written.</summary>
internal sealed class PendingWrites
{
    public List<LotRow> NewLots { get; } = [];
    public HashSet<LotRow> ChangedLots { get; } = [];
    public List<PostingRow> Postings { get; } = [];
    public List<AllocationRow> Allocations { get; } = [];
    public List<object> Events { get; } = [];
    public List<NpgsqlBatchCommand> AlsoSaved { get; } = [];
    /// <summary>The caller's own rows, by the function that inserts a list of them in one statement.</summary>
    public Dictionary<Delegate, (List<object> Rows, Func<List<object>, NpgsqlBatchCommand> Insert)> AlsoInserted { get; } = [];

    /// <summary>Writes them in a handful of set-based statements, sent in one round trip.</summary>
    public async Task SaveAsync(NpgsqlTransaction tx, Outbox outbox, IEnumerable<Account> changedAccounts, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx);
        void Add(string sql, params (string Name, object? Value)[] parameters)
        {
            var statement = new NpgsqlBatchCommand(sql);
            foreach (var (name, value) in parameters) statement.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
            batch.BatchCommands.Add(statement);
        }
        if (NewLots.Count > 0)
        {
            Add("""
                insert into lots (id, member_id, channel, source, reference, amount, remaining, status, earned_at, expires_at,
                                  activate_after, transferable, origin_lot_id, created_at)
                select *, @now from unnest(@ids, @members, @channels, @sources, @references, @amounts, @remainings, @statuses,
                                           @earned, @expires, @activates, @transferables, @origins)
                """,
                ("ids", NewLots.Select(l => l.Id).ToArray()), ("members", NewLots.Select(l => l.MemberId).ToArray()),
                ("channels", NewLots.Select(l => l.Channel).ToArray()),
                ("sources", NewLots.Select(l => l.Source).ToArray()),
                ("references", NewLots.Select(l => l.Reference).ToArray()),
                ("amounts", NewLots.Select(l => l.Amount).ToArray()),
                ("remainings", NewLots.Select(l => l.Remaining).ToArray()),
                ("statuses", NewLots.Select(l => l.Status).ToArray()),
                ("earned", NewLots.Select(l => l.EarnedAt).ToArray()),
                ("expires", NewLots.Select(l => l.ExpiresAt).ToArray()),
                ("activates", NewLots.Select(l => l.ActivateAfter).ToArray()),
                ("transferables", NewLots.Select(l => l.Transferable).ToArray()),
                ("origins", NewLots.Select(l => l.OriginLotId).ToArray()), ("now", now));
        }
        if (ChangedLots.Count > 0)
        {
            var lots = ChangedLots.ToArray();
            Add("""
                update lots set remaining = c.remaining, status = c.status, earned_at = c.earned_at, expires_at = c.expires_at,
                                activate_after = c.activate_after, clawed_back = c.clawed_back
                from unnest(@ids, @remainings, @statuses, @earned, @expires, @activates, @clawed)
                     as c(id, remaining, status, earned_at, expires_at, activate_after, clawed_back)
                where lots.id = c.id
                """,
                ("ids", lots.Select(l => l.Id).ToArray()), ("remainings", lots.Select(l => l.Remaining).ToArray()),
                ("statuses", lots.Select(l => l.Status).ToArray()), ("earned", lots.Select(l => l.EarnedAt).ToArray()),
                ("expires", lots.Select(l => l.ExpiresAt).ToArray()),
                ("activates", lots.Select(l => l.ActivateAfter).ToArray()),
                ("clawed", lots.Select(l => l.ClawedBack).ToArray()));
        }
        if (Postings.Count > 0)
        {
            Add("""
                insert into postings (id, transaction_id, account_id, seq, kind, amount, balance_after, effective_at,
                                      reference, idempotency_key, caused_by, lot_id)
                select * from unnest(@ids, @transactions, @accounts, @seqs, @kinds, @amounts, @balances, @ats, @references, @keys, @causes, @lots)
                """,
                ("ids", Postings.Select(p => p.Id).ToArray()),
                ("transactions", Postings.Select(p => p.TransactionId).ToArray()),
                ("accounts", Postings.Select(p => p.AccountId).ToArray()),
                ("seqs", Postings.Select(p => p.Seq).ToArray()), ("kinds", Postings.Select(p => p.Kind).ToArray()),
                ("amounts", Postings.Select(p => p.Amount).ToArray()),
                ("balances", Postings.Select(p => p.BalanceAfter).ToArray()),
                ("ats", Postings.Select(p => p.EffectiveAt).ToArray()),
                ("references", Postings.Select(p => p.Reference).ToArray()),
                ("keys", Postings.Select(p => p.IdempotencyKey).ToArray()),
                ("causes", Postings.Select(p => p.CausedBy).ToArray()),
                ("lots", Postings.Select(p => p.LotId).ToArray()));
        }
        if (Allocations.Count > 0)
        {
            Add("""
                insert into allocations (transaction_id, lot_id, kind, reference, points, created_at)
                select *, @now from unnest(@transactions, @lots, @kinds, @references, @points)
                """,
                ("transactions", Allocations.Select(a => a.TransactionId).ToArray()),
                ("lots", Allocations.Select(a => a.LotId).ToArray()),
                ("kinds", Allocations.Select(a => a.Kind).ToArray()),
                ("references", Allocations.Select(a => a.Reference).ToArray()),
                ("points", Allocations.Select(a => a.Points).ToArray()), ("now", now));
        }
        var accounts = changedAccounts.ToArray();
        if (accounts.Length > 0)
        {
            Add("""
                update accounts set balance = c.balance, last_seq = c.last_seq
                from unnest(@ids, @balances, @seqs) as c(id, balance, last_seq) where accounts.id = c.id
                """,
                ("ids", accounts.Select(a => a.Id).ToArray()), ("balances", accounts.Select(a => a.Balance).ToArray()),
                ("seqs", accounts.Select(a => a.LastSeq).ToArray()));
        }
        if (Events.Count > 0) batch.BatchCommands.Add(outbox.EnqueueManyCommand(Events));
        foreach (var statement in AlsoSaved) batch.BatchCommands.Add(statement);
        foreach (var (rows, insert) in AlsoInserted.Values) batch.BatchCommands.Add(insert(rows));
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
    }
}
