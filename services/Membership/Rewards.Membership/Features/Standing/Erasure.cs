using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Standing;

/// <summary>
/// M5/M7: erases a member's personal data. What stays is the id, the status history and keyed hashes of e-mail,
/// phone and passport, which M3 needs to recognise the person if they register again.
/// </summary>
public static class Erasure
{
    public static async Task EraseAsync(NpgsqlTransaction tx, Outbox outbox, Guid memberId, string hashKey, string why,
        DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var identity = await conn.QuerySingleAsync<(string? Email, string? Phone)>(new CommandDefinition(
            "select email_normalized, phone from members where id = @memberId", new { memberId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update members set
                email_hash = coalesce(@emailHash, email_hash), phone_hash = coalesce(@phoneHash, phone_hash),
                email = null, email_normalized = null, password_hash = null, name = null, birth_date = null, country = null,
                phone = null, marketing_opt_in = false, failed_logins = 0, locked_until = null,
                status = 'erased', erased_at = @now
            where id = @memberId
            """,
            new
            {
                memberId, now,
                emailHash = identity.Email is null ? null : Identity.Hash(identity.Email, hashKey),
                phoneHash = identity.Phone is null ? null : Identity.Hash(identity.Phone, hashKey),
            }, tx, cancellationToken: ct));
        // Copies of personal data elsewhere in this database: sessions, reset tokens, sent events, replayable responses.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            delete from refresh_tokens where member_id = @memberId;
            delete from password_resets where member_id = @memberId;
            delete from outbox_messages where published_at is not null and body->>'memberId' = @id;
            delete from idempotency_keys where scope = @id;
            """, new { memberId, id = memberId.ToString() }, tx, cancellationToken: ct));
        await Audit.RecordAsync(tx, memberId, "erased", why, "system:erasure", now, null, ct);
        await outbox.EnqueueAsync(tx, new MemberErased { MemberId = memberId, At = now }, ct: ct);
    }
}
