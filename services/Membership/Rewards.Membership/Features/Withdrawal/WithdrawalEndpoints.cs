using System.Globalization;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.Membership.Features.Standing;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Withdrawal;

public sealed record WithdrawalRequest
{
    public required string Reason { get; init; }
}

public sealed record WithdrawalResponse(DateTimeOffset GraceEndsAt);

public static class WithdrawalEndpoints
{
    public static void MapWithdrawal(this IEndpointRouteBuilder app) =>
        app.MapPost("/members/me/withdrawal", WithdrawAsync).WithExample("""
            {"reason": "I no longer shop here"}
            """, """
            {"graceEndsAt": "2027-04-02T09:00:00Z"}
            """).Refuses(409, "withdrawal-negative-balance", "withdrawal-open-orders", "withdrawal-not-possible").Refuses(503, "ledger-unavailable").WithTags("Profile").RequireAuthorization()
            .WithSummary("Withdraw from membership (M7)")
            .WithDescription("Refused while the points balance is negative (pay it off first, L15) or while an order is not yet "
                + "delivered or collected. Points stay usable until graceEndsAt, then are forfeited and personal data is erased.");

    public static async Task<Results<Accepted<WithdrawalResponse>, ValidationProblem, ProblemHttpResult>> WithdrawAsync(
        WithdrawalRequest request, ClaimsPrincipal user, NpgsqlDataSource db, RequestTransaction work, LedgerClient ledger, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        if (request.Reason.Trim().Length is < 1 or > 1000)
            return Problems.Validation(new FieldErrors().Require(false, "reason", "A reason of 1 to 1,000 characters is required."));
        var memberId = user.MemberId();

        // The member's state and open orders are read on a connection that is given back before the Ledger is asked.
        string? status;
        long openOrders;
        await using (var read = await db.OpenConnectionAsync(ct))
        {
            status = await read.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "select status from members where id = @memberId", new { memberId }, cancellationToken: ct));
            openOrders = await read.ExecuteScalarAsync<long>(new CommandDefinition(
                "select count(*) from member_orders where member_id = @memberId and paid_at is not null and closed is null",
                new { memberId }, cancellationToken: ct));
        }
        if (status is null) return Problems.NotFound("No such member");
        if (status is not (MemberStatus.Active or MemberStatus.Dormant)) return NotPossible(status);
        if (openOrders > 0)
        {
            return Problems.Of(409, "withdrawal-open-orders", "An order is not yet delivered or collected",
                string.Create(CultureInfo.InvariantCulture, $"{openOrders} paid order(s) are still on their way; withdrawal is possible once they are delivered, collected or cancelled."));
        }

        // Never withdraw on a guess: without the Ledger's answer there is no withdrawal.
        LedgerAccounts accounts;
        try { accounts = await ledger.GetAccountsAsync(memberId, ct); }
        catch (LedgerUnavailableException)
        {
            return Problems.Of(503, "ledger-unavailable", "The points balance cannot be checked right now",
                "Withdrawal needs the points balance, and the points service is not answering. Nothing was changed; please try again in a few minutes.");
        }
        var debt = accounts.Accounts.Where(a => a.Balance < 0).ToList();
        if (debt.Count > 0)
        {
            return Problems.Of(409, "withdrawal-negative-balance", "The points balance is negative",
                string.Create(CultureInfo.InvariantCulture,
                    $"The balance is {debt.Sum(a => a.Balance):N0} points ({string.Join(", ", debt.Select(a => a.Channel))}). Pay it off (L15) before withdrawing."));
        }

        var now = clock.GetUtcNow();
        var graceEndsAt = now.AddDays(policy.Value.ForfeitureGraceDays);
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            "update members set status = 'withdrawn', grace_ends_at = @graceEndsAt where id = @memberId and status in ('active', 'dormant')",
            new { memberId, graceEndsAt }, tx, cancellationToken: ct));
        if (changed == 0) return NotPossible("changed meanwhile");
        var reason = request.Reason.Trim();
        await Audit.RecordAsync(tx, memberId, "withdrawn", reason, $"member:{memberId}", now, new { graceEndsAt }, ct);
        await outbox.EnqueueAsync(tx, new MemberWithdrawn { MemberId = memberId, Reason = reason, At = now, GraceEndsAt = graceEndsAt }, ct: ct);
        await work.CommitAsync(ct);
        return TypedResults.Accepted("/members/me", new WithdrawalResponse(graceEndsAt));
    }

    private static ProblemHttpResult NotPossible(string status) =>
        Problems.Of(409, "withdrawal-not-possible", "The membership cannot be withdrawn", $"The member's status is {status}.");
}
