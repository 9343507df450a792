using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Auth;

public sealed record TokenRequest
{
    public required string Email { get; init; }
    public required string Password { get; init; }
}

public sealed record RefreshRequest
{
    public required string RefreshToken { get; init; }
}

public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/token", IssueTokenAsync).WithExample("""
            {"email": "min-ji@example.com", "password": "correct-horse-battery"}
            """, """
            {"accessToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "tokenType": "Bearer", "expiresIn": 900, "refreshToken": "q7N0cY…"}
            """).Refuses(401, "invalid-credentials").Refuses(403, "member-suspended").Refuses(423, "locked-out").WithTags("Auth").AllowAnonymous()
            .WithSummary("Log in with e-mail and password (M4); locked for a while after repeated failures");
        app.MapPost("/auth/refresh", RefreshAsync).WithExample("""
            {"refreshToken": "q7N0cY…"}
            """).Refuses(401, "invalid-refresh-token").Refuses(403, "member-suspended").WithTags("Auth").AllowAnonymous()
            .WithSummary("Exchange a refresh token (once) for new tokens");
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueTokenAsync(
        TokenRequest request, RequestTransaction work, TimeProvider clock, TokenIssuer issuer,
        IPasswordHasher<object> hasher, IOptions<OpsAccountsOptions> ops, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var opsAccount = ops.Value.Accounts.FirstOrDefault(a =>
            string.Equals(a.Email, request.Email.Trim(), StringComparison.OrdinalIgnoreCase));
        var now = clock.GetUtcNow();
        if (opsAccount is not null)
        {
            if (!FixedTimeEquals(opsAccount.Password, request.Password)) return InvalidCredentials();
            var opsRefresh = await RefreshTokens.IssueAsync(await work.BeginAsync(ct), opsAccount.Id, now, TimeSpan.FromHours(ops.Value.RefreshTokenHours), ct);
            await work.CommitAsync(ct);
            return TypedResults.Ok(issuer.Issue(opsAccount.Id, opsAccount.Email, opsAccount.Name, [AuthExtensions.OpsRole]) with { RefreshToken = opsRefresh });
        }

        var rules = policy.Value;
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var member = await conn.QuerySingleOrDefaultAsync<MemberCredentials>(new CommandDefinition(
            """
            select id, email, name, password_hash as PasswordHash, status, locked_until as LockedUntil, grace_ends_at as GraceEndsAt,
                   social_provider as SocialProvider, country
            from members where email_normalized = @email
            order by status = 'withdrawn' -- a rejoined person's new account before the old one in its grace period
            limit 1 for update
            """, new { email = Identity.NormalizeEmail(request.Email) }, tx, cancellationToken: ct));
        if (member is null) return InvalidCredentials();
        if (member.LockedUntil > now)
        {
            return Problems.Of(423, "locked-out", "Too many failed logins",
                $"After {rules.MaxFailedLogins} failed logins in a row the account is locked until {member.LockedUntil:O}.");
        }

        var verdict = hasher.VerifyHashedPassword(new object(), member.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            // The count and the lock commit even though the login fails.
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update members set failed_logins = case when failed_logins + 1 >= @max then 0 else failed_logins + 1 end,
                                   locked_until = case when failed_logins + 1 >= @max then @until else locked_until end
                where id = @id
                """, new { id = member.Id, max = rules.MaxFailedLogins, until = now.AddMinutes(rules.LockoutMinutes) }, tx, cancellationToken: ct));
            await work.CommitAsync(ct);
            return InvalidCredentials();
        }
        if (!MemberStatus.MayLogIn(member.Status, member.GraceEndsAt, now)) return Suspended(member.Status);

        // M4/M5: login records the time and reactivates a dormant member, with no restriction.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            update members set last_login_at = @now, failed_logins = 0, locked_until = null,
                               status = case when status = 'dormant' then 'active' else status end,
                               dormant_since = null, dormancy_warned_for = null,
                               password_hash = coalesce(@rehash, password_hash)
            where id = @id
            """,
            new
            {
                id = member.Id,
                now,
                rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? hasher.HashPassword(new object(), request.Password) : null,
            }, tx, cancellationToken: ct));
        var refreshToken = await RefreshTokens.IssueAsync(tx, member.Id, now, rules.RefreshTokenDays, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(issuer.Issue(member.Id, member.Email, member.Name, [], member.SocialProvider, member.Country) with { RefreshToken = refreshToken });
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, RequestTransaction work, TimeProvider clock, TokenIssuer issuer, IOptions<ProgramPolicy> policy,
        IOptions<OpsAccountsOptions> ops, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var (outcome, memberId) = await RefreshTokens.UseAsync(tx, request.RefreshToken, now, ct);
        if (outcome == RefreshOutcome.Reused) await work.CommitAsync(ct); // keep the revocation of every token of the member
        if (outcome != RefreshOutcome.Valid) return Problems.Of(401, "invalid-refresh-token", "The refresh token is not valid", "Log in again.");
        if (ops.Value.Accounts.FirstOrDefault(a => a.Id == memberId) is { } opsAccount)
        {
            var opsRefresh = await RefreshTokens.IssueAsync(tx, opsAccount.Id, now, TimeSpan.FromHours(ops.Value.RefreshTokenHours), ct);
            await work.CommitAsync(ct);
            return TypedResults.Ok(issuer.Issue(opsAccount.Id, opsAccount.Email, opsAccount.Name, [AuthExtensions.OpsRole]) with { RefreshToken = opsRefresh });
        }

        var member = await conn.QuerySingleOrDefaultAsync<MemberCredentials>(new CommandDefinition(
            """
            select id, email, name, password_hash as PasswordHash, status, locked_until as LockedUntil, grace_ends_at as GraceEndsAt,
                   social_provider as SocialProvider, country
            from members where id = @memberId
            """, new { memberId }, tx, cancellationToken: ct));
        // A token of an ops account since removed from the configuration: no member either.
        if (member is null) return Problems.Of(401, "invalid-refresh-token", "The refresh token is not valid", "Log in again.");
        if (!MemberStatus.MayLogIn(member.Status, member.GraceEndsAt, now)) return Suspended(member.Status);
        var refreshToken = await RefreshTokens.IssueAsync(tx, member.Id, now, policy.Value.RefreshTokenDays, ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(issuer.Issue(member.Id, member.Email, member.Name, [], member.SocialProvider, member.Country) with { RefreshToken = refreshToken });
    }

    private static ProblemHttpResult Suspended(string status) =>
        Problems.Of(403, "member-suspended", "The membership is suspended", $"The member's status is {status}.");

    private static ProblemHttpResult InvalidCredentials() =>
        Problems.Of(401, "invalid-credentials", "The e-mail address or password is wrong");

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private sealed record MemberCredentials(
        Guid Id, string Email, string Name, string PasswordHash, string Status, DateTimeOffset? LockedUntil, DateTimeOffset? GraceEndsAt,
        string? SocialProvider, string? Country);
}
