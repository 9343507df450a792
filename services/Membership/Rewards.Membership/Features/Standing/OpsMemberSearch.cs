using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Standing;

public sealed record OpsMemberSummary(Guid MemberId, string? Email, string? Name, string Status, string Tier, DateTimeOffset RegisteredAt);

/// <summary>Ops find a member by login e-mail (exact, case-insensitive) or member id, e.g. from a customer's call.</summary>
public static class OpsMemberSearch
{
    public static void MapOpsMemberSearch(this IEndpointRouteBuilder app) =>
        app.MapGet("/ops/members", SearchAsync).WithTags("Ops: members").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Members whose login e-mail is the given one (case-insensitive) or whose id is the given one; erased members have no e-mail");

    public static async Task<Results<Ok<IReadOnlyList<OpsMemberSummary>>, ValidationProblem>> SearchAsync(
        string? email, Guid? memberId, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(email) && memberId is null)
            return Problems.Validation(new FieldErrors().Require(false, "email", "Give an e-mail address or a memberId to search for."));
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QueryAsync<OpsMemberSummary>(new CommandDefinition(
            """
            select id as MemberId, email, name, status, tier, registered_at as RegisteredAt
            from members where email_normalized = @email or id = @memberId
            order by registered_at desc limit 20
            """, new { email = email is null ? null : Identity.NormalizeEmail(email), memberId }, cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<OpsMemberSummary>>([.. found]);
    }
}
