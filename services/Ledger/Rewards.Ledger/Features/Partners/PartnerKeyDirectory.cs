using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace Rewards.Ledger.Features.Partners;

/// <summary>A partner key as the signature check needs it: the partner, the decrypted secret and the key's state.</summary>
public sealed record PartnerKey(Partner Partner, string Status, byte[] Secret, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Partner keys for the signature check, each kept for <see cref="Freshness"/> so that a busy partner's requests do
/// not each read and decrypt its key. Ops changes made through this instance clear it at once; on other instances a
/// revocation, suspension or new rate takes effect within <see cref="Freshness"/>.
/// </summary>
public sealed class PartnerKeyDirectory(NpgsqlDataSource db, PartnerKeys keys)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (PartnerKey Key, long LoadedAt)> _keys = new();

    private sealed record KeyRow(Guid PartnerId, byte[] SecretEncrypted, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string Status,
        string Name, string Channel, decimal EarnRate, bool RedemptionAllowed, int RequestsPerSecond);

    /// <summary>The key, or null when there is no such key (unknown keys are not kept: they are read each time).</summary>
    public async ValueTask<PartnerKey?> FindAsync(string keyId, CancellationToken ct)
    {
        if (_keys.TryGetValue(keyId, out var kept) && Environment.TickCount64 - kept.LoadedAt < Freshness.TotalMilliseconds) return kept.Key;
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            """
            select k.partner_id as PartnerId, k.secret_encrypted as SecretEncrypted, k.expires_at as ExpiresAt, k.revoked_at as RevokedAt,
                   p.status, p.name, p.channel, p.earn_rate as EarnRate, p.redemption_allowed as RedemptionAllowed,
                   p.requests_per_second as RequestsPerSecond
            from partner_keys k join partners p on p.id = k.partner_id where k.key_id = @keyId
            """, new { keyId }, cancellationToken: ct));
        if (row is null) return null;
        var key = new PartnerKey(new Partner(row.PartnerId, row.Name, row.Channel, row.EarnRate, row.RedemptionAllowed, row.RequestsPerSecond),
            row.Status, keys.Decrypt(keyId, row.SecretEncrypted), row.ExpiresAt, row.RevokedAt);
        _keys[keyId] = (key, Environment.TickCount64);
        return key;
    }

    /// <summary>Called after every change to partners or keys.</summary>
    public void Forget() => _keys.Clear();
}
