using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Auth;

public sealed record TokenRequest
{
    public required string Email { get; init; }
    public required string Password { get; init; }
}

public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app) =>
        app.MapPost("/auth/token", IssueTokenAsync).WithTags("Auth").AllowAnonymous()
            .WithSummary("Log in with e-mail and password (M4)");

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueTokenAsync(
        TokenRequest request, NpgsqlDataSource db, TimeProvider clock, TokenIssuer issuer,
        IPasswordHasher<object> hasher, IOptions<OpsAccountsOptions> ops, CancellationToken ct)
    {
        var opsAccount = ops.Value.Accounts.FirstOrDefault(a =>
            string.Equals(a.Email, request.Email.Trim(), StringComparison.OrdinalIgnoreCase));
        if (opsAccount is not null)
        {
            return FixedTimeEquals(opsAccount.Password, request.Password)
                ? TypedResults.Ok(issuer.Issue(opsAccount.Id, opsAccount.Email, opsAccount.Name, [AuthExtensions.OpsRole]))
                : InvalidCredentials();
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var member = await conn.QuerySingleOrDefaultAsync<MemberCredentials>(new CommandDefinition(
            "select id, email, name, password_hash as PasswordHash, status from members where email_normalized = @email",
            new { email = Identity.NormalizeEmail(request.Email) }, cancellationToken: ct));
        if (member is null) return InvalidCredentials();

        var verdict = hasher.VerifyHashedPassword(new object(), member.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed) return InvalidCredentials();
        if (member.Status is not ("active" or "dormant"))
            return Problems.Of(403, "member-suspended", "The membership is suspended", $"The member's status is {member.Status}.");

        // M4: login records the time and reactivates a dormant member.
        await conn.ExecuteAsync(new CommandDefinition(
            "update members set last_login_at = @now, status = 'active', password_hash = coalesce(@rehash, password_hash) where id = @id",
            new
            {
                id = member.Id,
                now = clock.GetUtcNow(),
                rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? hasher.HashPassword(new object(), request.Password) : null,
            }, cancellationToken: ct));
        return TypedResults.Ok(issuer.Issue(member.Id, member.Email, member.Name, []));
    }

    private static ProblemHttpResult InvalidCredentials() =>
        Problems.Of(401, "invalid-credentials", "The e-mail address or password is wrong");

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private sealed record MemberCredentials(Guid Id, string Email, string Name, string PasswordHash, string Status);
}
