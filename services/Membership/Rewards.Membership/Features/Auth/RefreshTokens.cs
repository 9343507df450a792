using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Features.Auth;

public enum RefreshOutcome
{
    Valid,
    Unknown,
    Expired,
    /// <summary>The token was used before: somebody else may hold it, so every token of the member is revoked.</summary>
    Reused,
}

/// <summary>M4: opaque, single-use refresh tokens; only their SHA-256 is stored.</summary>
public static class RefreshTokens
{
    public static Task<string> IssueAsync(NpgsqlTransaction tx, Guid memberId, DateTimeOffset now, int days, CancellationToken ct) =>
        IssueAsync(tx, memberId, now, TimeSpan.FromDays(days), ct);

    /// <summary>A new token for <paramref name="subjectId"/>: a member, or an ops account.</summary>
    public static async Task<string> IssueAsync(NpgsqlTransaction tx, Guid subjectId, DateTimeOffset now, TimeSpan lifetime, CancellationToken ct)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "insert into refresh_tokens (token_hash, member_id, issued_at, expires_at) values (@hash, @memberId, @now, @expires)",
            new { hash = Hash(token), memberId = subjectId, now, expires = now + lifetime }, tx, cancellationToken: ct));
        return token;
    }

    public static async Task<(RefreshOutcome Outcome, Guid MemberId)> UseAsync(NpgsqlTransaction tx, string token, DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var row = await conn.QuerySingleOrDefaultAsync<(Guid MemberId, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt, DateTimeOffset? RevokedAt)?>(new CommandDefinition(
            "select member_id, expires_at, used_at, revoked_at from refresh_tokens where token_hash = @hash for update",
            new { hash = Hash(token) }, tx, cancellationToken: ct));
        if (row is not { } r) return (RefreshOutcome.Unknown, Guid.Empty);
        if (r.UsedAt is not null)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "update refresh_tokens set revoked_at = @now where member_id = @memberId and revoked_at is null",
                new { r.MemberId, now }, tx, cancellationToken: ct));
            return (RefreshOutcome.Reused, r.MemberId);
        }
        if (r.RevokedAt is not null || r.ExpiresAt <= now) return (RefreshOutcome.Expired, r.MemberId);
        await conn.ExecuteAsync(new CommandDefinition(
            "update refresh_tokens set used_at = @now where token_hash = @hash", new { hash = Hash(token), now }, tx, cancellationToken: ct));
        return (RefreshOutcome.Valid, r.MemberId);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
