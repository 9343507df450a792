using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Auth;

public sealed record PasswordResetRequest
{
    public required string Email { get; init; }
}

public sealed record PasswordResetConfirmation
{
    public required string Token { get; init; }
    public required string NewPassword { get; init; }
}

/// <summary>
/// M6 "find password": a single-use, expiring token is e-mailed (PasswordResetRequested → Notifications). The request
/// is answered 202 whether or not the address belongs to a member, so the endpoint tells nobody who is a member.
/// </summary>
public static class PasswordResetEndpoints
{
    public static void MapPasswordReset(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/password-reset", RequestAsync).WithTags("Auth").AllowAnonymous()
            .WithSummary("E-mail a password-reset token (M6); always 202");
        app.MapPost("/auth/password-reset/confirm", ConfirmAsync).Refuses(400, "invalid-reset-token").WithTags("Auth").AllowAnonymous()
            .WithSummary("Set a new password with a reset token (once, before it expires)");
    }

    public static async Task<Accepted> RequestAsync(
        PasswordResetRequest request, RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var member = await conn.QuerySingleOrDefaultAsync<(Guid Id, string Email, string Name)?>(new CommandDefinition(
            "select id, email, name from members where email_normalized = @email and status in ('active', 'dormant')",
            new { email = Identity.NormalizeEmail(request.Email) }, tx, cancellationToken: ct));
        if (member is { } m)
        {
            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var expiresAt = now.AddMinutes(policy.Value.PasswordResetMinutes);
            await conn.ExecuteAsync(new CommandDefinition(
                "insert into password_resets (token_hash, member_id, created_at, expires_at) values (@hash, @id, @now, @expiresAt)",
                new { hash = Hash(token), id = m.Id, now, expiresAt }, tx, cancellationToken: ct));
            await outbox.EnqueueAsync(tx, new PasswordResetRequested
            {
                RequestId = Guid.CreateVersion7(), MemberId = m.Id, Email = m.Email, Name = m.Name, Token = token, ExpiresAt = expiresAt,
            }, ct: ct);
        }
        await work.CommitAsync(ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        PasswordResetConfirmation request, RequestTransaction work, TimeProvider clock, IPasswordHasher<object> hasher, CancellationToken ct)
    {
        var errors = new FieldErrors().Require(request.NewPassword.Length is >= 8 and <= 128, "newPassword", "The password must have 8 to 128 characters.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var memberId = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            update password_resets set used_at = @now
            where token_hash = @hash and used_at is null and expires_at > @now
            returning member_id
            """, new { hash = Hash(request.Token), now }, tx, cancellationToken: ct));
        if (memberId is null)
        {
            return Problems.Of(400, "invalid-reset-token", "The reset token is not valid",
                "It is unknown, already used or expired; ask for a new one.");
        }
        // A new password also ends a lock-out and every session (refresh token) started with the old one.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update members set password_hash = @hash, failed_logins = 0, locked_until = null where id = @memberId;
            update refresh_tokens set revoked_at = @now where member_id = @memberId and revoked_at is null;
            """, new { hash = hasher.HashPassword(new object(), request.NewPassword), memberId, now }, tx, cancellationToken: ct));
        await work.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
