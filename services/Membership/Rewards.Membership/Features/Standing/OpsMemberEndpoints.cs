using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Standing;

public sealed record DisqualificationRequest
{
    public required string Reason { get; init; }
    /// <summary>L14: postings of points earned or redeemed without authority; their lots are forfeited at once.</summary>
    public IReadOnlyList<Guid> UnauthorizedPostingIds { get; init; } = [];
}

public sealed record ReasonRequest
{
    public required string Reason { get; init; }
}

/// <summary>What ops see of a member: personal data is null once erased.</summary>
public sealed record OpsMemberView(
    Guid MemberId, string? Email, string? Name, DateOnly? BirthDate, string? Country, string? Phone, string Status, string Tier,
    bool ProblemCustomer, bool MarketingOptIn, DateTimeOffset RegisteredAt, DateTimeOffset? LastLoginAt, DateTimeOffset? GraceEndsAt,
    DateTimeOffset? DormantSince, DateTimeOffset? ErasedAt)
{
    public IReadOnlyList<AuditEntry> Audit { get; init; } = [];
}

/// <summary>M8/M9: ops change a member's standing; each change is audited and announced.</summary>
public static class OpsMemberEndpoints
{
    public static void MapOpsMembers(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/ops/members/{memberId:guid}").WithTags("Ops: members").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapGet("", GetAsync).WithSummary("A member's profile, standing and audit trail");
        ops.MapPost("/disqualification", DisqualifyAsync).Refuses(409, "member-not-disqualifiable").WithSummary("Disqualify a member (M8); unauthorised postings are forfeited at once");
        ops.MapPost("/reinstatement", ReinstateAsync).Refuses(409, "member-not-disqualified").WithSummary("Reinstate a disqualified member after an accepted explanation (M8)");
        ops.MapPut("/problem-customer", MarkProblemCustomerAsync).WithSummary("Mark a problem customer (M9): login, purchases and benefits suspended");
        ops.MapDelete("/problem-customer", UnmarkProblemCustomerAsync).WithSummary("Lift the problem-customer mark (M9)");
    }

    public static async Task<Results<Ok<OpsMemberView>, ProblemHttpResult>> GetAsync(Guid memberId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var view = await FindAsync(conn, null, memberId, ct);
        return view is null ? Problems.NotFound("No such member") : TypedResults.Ok(view with { Audit = await Audit.TrailAsync(conn, memberId, ct) });
    }

    public static async Task<Results<Ok<OpsMemberView>, ValidationProblem, ProblemHttpResult>> DisqualifyAsync(
        Guid memberId, DisqualificationRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        if (InvalidReason(request.Reason) is { } invalid) return invalid;
        return await ChangeAsync(work, outbox, clock, memberId, async (tx, member, now) =>
        {
            if (member.Status is not (MemberStatus.Active or MemberStatus.Dormant or MemberStatus.Withdrawn or MemberStatus.Suspended))
                return Conflict("member-not-disqualifiable", $"A member whose status is {member.Status} cannot be disqualified.");
            var graceEndsAt = now.AddDays(policy.Value.ForfeitureGraceDays);
            await SetAsync(tx, memberId, "status = 'disqualified', grace_ends_at = @graceEndsAt", new { memberId, graceEndsAt }, ct);
            var reason = request.Reason.Trim();
            await Audit.RecordAsync(tx, memberId, "disqualified", reason, Actor(user), now,
                new { graceEndsAt, unauthorizedPostingIds = request.UnauthorizedPostingIds }, ct);
            await outbox.EnqueueAsync(tx, new MemberDisqualified
            {
                DisqualificationId = Guid.CreateVersion7(), MemberId = memberId, Reason = reason, At = now, GraceEndsAt = graceEndsAt, UnauthorisedPostingIds = request.UnauthorizedPostingIds,
            }, ct: ct);
            return null;
        }, ct);
    }

    public static async Task<Results<Ok<OpsMemberView>, ValidationProblem, ProblemHttpResult>> ReinstateAsync(
        Guid memberId, ReasonRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        if (InvalidReason(request.Reason) is { } invalid) return invalid;
        return await ChangeAsync(work, outbox, clock, memberId, async (tx, member, now) =>
        {
            if (member.Status != MemberStatus.Disqualified)
                return Conflict("member-not-disqualified", $"Only a disqualified member can be reinstated; the status is {member.Status}.");
            var status = member.ProblemCustomer ? MemberStatus.Suspended : MemberStatus.Active;
            await SetAsync(tx, memberId, "status = @status, grace_ends_at = null", new { memberId, status }, ct);
            await Audit.RecordAsync(tx, memberId, "reinstated", request.Reason.Trim(), Actor(user), now, null, ct);
            await outbox.EnqueueAsync(tx, new MemberReinstated { MemberId = memberId, At = now }, ct: ct);
            return null;
        }, ct);
    }

    public static async Task<Results<Ok<OpsMemberView>, ValidationProblem, ProblemHttpResult>> MarkProblemCustomerAsync(
        Guid memberId, ReasonRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        if (InvalidReason(request.Reason) is { } invalid) return invalid;
        return await ChangeAsync(work, outbox, clock, memberId, async (tx, member, now) =>
        {
            if (member.ProblemCustomer) return null; // PUT: already so
            // Active, dormant and withdrawn members are suspended; disqualified and erased ones keep their status and are
            // marked so they cannot rejoin.
            var suspend = member.Status is MemberStatus.Active or MemberStatus.Dormant or MemberStatus.Withdrawn;
            await SetAsync(tx, memberId, "problem_customer = true, status = case when @suspend then 'suspended' else status end",
                new { memberId, suspend }, ct);
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "update refresh_tokens set revoked_at = @now where member_id = @memberId and revoked_at is null",
                new { memberId, now }, tx, cancellationToken: ct));
            await Audit.RecordAsync(tx, memberId, "problem-customer-marked", request.Reason.Trim(), Actor(user), now, new { previousStatus = member.Status }, ct);
            await outbox.EnqueueAsync(tx, new MemberSuspended { MemberId = memberId, Reason = request.Reason.Trim(), At = now }, ct: ct);
            return null;
        }, ct);
    }

    public static async Task<Results<Ok<OpsMemberView>, ValidationProblem, ProblemHttpResult>> UnmarkProblemCustomerAsync(
        Guid memberId, [FromBody] ReasonRequest? request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        if (InvalidReason(request?.Reason ?? "") is { } invalid) return invalid;
        return await ChangeAsync(work, outbox, clock, memberId, async (tx, member, now) =>
        {
            if (!member.ProblemCustomer) return null;
            // A suspended member comes back active; one whose withdrawal grace period was running stays outside.
            await SetAsync(tx, memberId, "problem_customer = false, status = case when status = 'suspended' then 'active' else status end",
                new { memberId }, ct);
            await Audit.RecordAsync(tx, memberId, "problem-customer-unmarked", request!.Reason.Trim(), Actor(user), now, null, ct);
            await outbox.EnqueueAsync(tx, new MemberSuspensionLifted { MemberId = memberId, At = now }, ct: ct);
            return null;
        }, ct);
    }

    /// <summary>Locks the member, applies <paramref name="change"/> (null = done, or a refusal), commits and answers with the new view.</summary>
    private static async Task<Results<Ok<OpsMemberView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        RequestTransaction work, Outbox outbox, TimeProvider clock, Guid memberId,
        Func<NpgsqlTransaction, OpsMemberView, DateTimeOffset, Task<ProblemHttpResult?>> change, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var member = await FindAsync(conn, tx, memberId, ct);
        if (member is null) return Problems.NotFound("No such member");
        if (await change(tx, member, now) is { } refused) return refused;
        var view = (await FindAsync(conn, tx, memberId, ct))! with { Audit = await Audit.TrailAsync(conn, memberId, ct) };
        await work.CommitAsync(ct);
        return TypedResults.Ok(view);
    }

    private static Task<OpsMemberView?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid memberId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<OpsMemberView>(new CommandDefinition(
            $"""
            select id as MemberId, email, name, birth_date as BirthDate, country, phone, status, tier, problem_customer as ProblemCustomer,
                   marketing_opt_in as MarketingOptIn, registered_at as RegisteredAt, last_login_at as LastLoginAt,
                   grace_ends_at as GraceEndsAt, dormant_since as DormantSince, erased_at as ErasedAt
            from members where id = @memberId {(tx is null ? "" : "for update")}
            """, new { memberId }, tx, cancellationToken: ct));

    private static Task<int> SetAsync(NpgsqlTransaction tx, Guid memberId, string assignments, object args, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition($"update members set {assignments} where id = @memberId", args, tx, cancellationToken: ct));

    private static ValidationProblem? InvalidReason(string reason) =>
        reason.Trim().Length is >= 1 and <= 1000 ? null
            : Problems.Validation(new FieldErrors().Require(false, "reason", "A reason of 1 to 1,000 characters is required."));

    private static ProblemHttpResult Conflict(string type, string detail) => Problems.Of(409, type, "The member's standing does not allow this", detail);

    private static string Actor(ClaimsPrincipal user) => $"ops:{user.Email() ?? user.FindFirstValue("sub")}";
}
