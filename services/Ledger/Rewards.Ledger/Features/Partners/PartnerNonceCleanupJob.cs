using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Partners;

/// <summary>
/// Forgets request nonces once their requests' timestamps are out of the accepted window: a replay then fails on the
/// timestamp, which the signature covers.
/// </summary>
public sealed class PartnerNonceCleanupJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public string Name => "partner-nonce-cleanup";
    public TimeSpan Interval => TimeSpan.FromMinutes(5);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var deleted = await SlicedDelete.RunAsync(db,
            """
            delete from partner_nonces where (key_id, nonce) in (
                select key_id, nonce from partner_nonces where seen_at < @cutoff limit @slice)
            """, clock.GetUtcNow() - 2 * PartnerSignatureHandler.AllowedSkew - TimeSpan.FromMinutes(1), ct);
        return new JobResult($"deleted {deleted} partner nonces", deleted);
    }
}
