using Dapper;
using Npgsql;

namespace Rewards.Ledger.Features.Partners;

/// <summary>A signed request's nonce under its key: accepted once.</summary>
public sealed record PartnerNonce(string KeyId, string Nonce);

/// <summary>
/// The nonces of accepted partner requests. A request that writes claims its nonce in the transaction of its change
/// (the credit batch, for purchases), others claim it on their own; a nonce claimed before means a replay.
/// </summary>
public static class PartnerNonces
{
    /// <summary>Claims the nonces in <paramref name="tx"/> (or on their own without one); returns those not seen before.</summary>
    public static async Task<HashSet<PartnerNonce>> ClaimAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<PartnerNonce> nonces,
        DateTimeOffset now, CancellationToken ct) =>
        nonces.Count == 0 ? [] : (await conn.QueryAsync<(string KeyId, string Nonce)>(new CommandDefinition(
            """
            insert into partner_nonces (key_id, nonce, seen_at)
            select key_id, nonce, @now from unnest(@keys, @nonces) n(key_id, nonce)
            on conflict do nothing
            returning key_id, nonce
            """, new { keys = nonces.Select(n => n.KeyId).ToArray(), nonces = nonces.Select(n => n.Nonce).ToArray(), now }, tx, cancellationToken: ct)))
            .Select(r => new PartnerNonce(r.KeyId, r.Nonce)).ToHashSet();
}
