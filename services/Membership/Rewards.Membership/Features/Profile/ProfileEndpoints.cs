using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Profile;

public sealed record MemberProfile(
    Guid MemberId, string Email, string Name, DateOnly BirthDate, string Country, string? Phone,
    [property: AllowedValues("active", "dormant", "withdrawn", "disqualified", "suspended")] string Status,
    string Tier, bool MarketingOptIn, DateTimeOffset RegisteredAt, DateTimeOffset? LastLoginAt);

public static class ProfileEndpoints
{
    public static void MapProfile(this IEndpointRouteBuilder app) =>
        app.MapGet("/members/me", GetAsync).WithTags("Profile").RequireAuthorization()
            .WithSummary("The logged-in member's profile: status, tier and marketing consent (M1, M10, M11)");

    public static async Task<Results<Ok<MemberProfile>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var profile = await FindAsync(conn, null, user.MemberId(), ct);
        return profile is null ? Problems.NotFound("No such member") : TypedResults.Ok(profile);
    }

    internal static Task<MemberProfile?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid memberId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<MemberProfile>(new CommandDefinition(
            """
            select id as MemberId, email, name, birth_date as BirthDate, country, phone, status, tier,
                   marketing_opt_in as MarketingOptIn, registered_at as RegisteredAt, last_login_at as LastLoginAt
            from members where id = @memberId
            """, new { memberId }, tx, cancellationToken: ct));
}
