using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.ServiceDefaults.Data;

/// <summary>
/// The one database transaction of a writing request (scoped per request). An endpoint takes it with
/// <see cref="BeginAsync"/>, makes its change in it and calls <see cref="CommitAsync"/>. For a request with an
/// Idempotency-Key the <see cref="IdempotencyMiddleware"/> has begun it and claimed the key in it; the endpoint's commit
/// is then carried out by the middleware once the response is known, with the response recorded as the key's answer in
/// the same commit. So a key has an answer if and only if the change committed, and a request that fails or dies
/// leaves nothing behind, its key free for the next try.
/// </summary>
public sealed class RequestTransaction(NpgsqlDataSource db, IServiceProvider services) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;

    /// <summary>The key claimed in this transaction by the middleware, if the request carries one.</summary>
    internal IdempotencyClaim? Claim { get; set; }

    /// <summary>The endpoint asked for its change to be committed (with a key, the middleware has yet to do it).</summary>
    internal bool CommitRequested { get; private set; }

    public async Task<NpgsqlTransaction> BeginAsync(CancellationToken ct)
    {
        if (_transaction is not null) return _transaction;
        _connection = await db.OpenConnectionAsync(ct);
        _transaction = await _connection.BeginTransactionAsync(ct);
        return _transaction;
    }

    /// <summary>
    /// Commits the request's change (and wakes the outbox relay for the events written in it). With an Idempotency-Key
    /// the commit happens when the response is known, together with the key's answer; an endpoint whose change was made
    /// elsewhere (in transactions keyed by the request's key) calls it to have its answer recorded.
    /// </summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        CommitRequested = true;
        if (Claim is not null || _transaction is null) return;
        await CommitNowAsync(ct);
    }

    internal async Task CommitNowAsync(CancellationToken ct)
    {
        await _transaction!.CommitAsync(ct);
        services.GetService<WakeSignal>()?.Raise();
    }

    /// <summary>Ends the transaction without committing it and returns the connection to the pool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null) await _transaction.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        _transaction = null;
        _connection = null;
    }
}
