using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Balances;

/// <param name="At">When the next points expire (L5).</param>
/// <param name="Points">How many expire then.</param>
public sealed record NextExpiry(DateTimeOffset At, long Points);

/// <summary>One channel's account.</summary>
/// <param name="Channel">online or offline.</param>
/// <param name="Balance">Earned points minus debt; negative when a refund took back more than was left (L8).</param>
/// <param name="Available">What can be spent now: earned, not held, not in debt.</param>
/// <param name="Pending">Points earned on purchases not yet activated (L4).</param>
/// <param name="Held">Points held for orders awaiting payment (L9).</param>
/// <param name="NextExpiry">The next expiry, or null when nothing expires.</param>
public sealed record ChannelBalance([property: AllowedValues("online", "offline")] string Channel, long Balance, long Available, long Pending, long Held, NextExpiry? NextExpiry);

public sealed record AccountsView(Guid MemberId, IReadOnlyList<ChannelBalance> Accounts);

/// <summary>One line of the member's statement.</summary>
/// <param name="PostingId">The posting's id.</param>
/// <param name="At">When it was posted.</param>
/// <param name="Kind">What happened, e.g. earn-pending, redeem, clawback, expire, gift, correction.</param>
/// <param name="Bucket">Which part of the account it moved: earned (negative when in debt), pending or held.</param>
/// <param name="Amount">Points, positive in and negative out.</param>
/// <param name="BalanceAfter">The account's balance after it.</param>
/// <param name="Reference">What it was for: an order, a gift, a promotion, a job run.</param>
public sealed record PostingView(Guid PostingId, DateTimeOffset At, string Kind, string Bucket, long Amount, long BalanceAfter, string Reference);

public sealed record PostingsPage(IReadOnlyList<PostingView> Items, string? NextCursor);

/// <summary>A lot with points left: the member's expiry schedule (L5, L6).</summary>
public sealed record LotView(Guid LotId, [property: AllowedValues("online", "offline")] string Channel,
    [property: AllowedValues("purchase", "promotion", "gift", "correction", "missed-earning", "transfer")] string Source,
    DateTimeOffset? EarnedAt, DateTimeOffset? ExpiresAt, long Amount, long Remaining, [property: AllowedValues("pending", "earned")] string Status, bool Transferable);

public static class BalanceEndpoints
{
    public static void MapBalances(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/accounts/me").WithTags("Accounts").RequireAuthorization();
        me.MapGet("", (ClaimsPrincipal user, BalanceReader balances, CancellationToken ct) => GetAccountsAsync(user.MemberId(), balances, ct))
            .WithSummary("The member's balance per channel: balance (negative when in debt, L8), available, pending, held and the next expiry (L5, L6)");
        me.MapGet("/postings", (ClaimsPrincipal user, NpgsqlDataSource db, string? channel, string? cursor, int? limit, CancellationToken ct) =>
            GetPostingsAsync(user.MemberId(), channel, cursor, limit, db, ct))
            .WithSummary("The member's postings, newest first, a page at a time (pass nextCursor as cursor)");
        me.MapGet("/lots", (ClaimsPrincipal user, NpgsqlDataSource db, string? channel, CancellationToken ct) => GetLotsAsync(user.MemberId(), channel, db, ct))
            .WithSummary("The member's lots with points left: what expires when (L5, L6) and what can be transferred");

        var ops = app.MapGroup("/ops/members/{memberId:guid}/accounts").WithTags("Ops: accounts").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapGet("", (Guid memberId, BalanceReader balances, CancellationToken ct) => GetAccountsAsync(memberId, balances, ct))
            .WithSummary("A member's balance per channel, as GET /accounts/me shows it to them");
        ops.MapGet("/postings", (Guid memberId, NpgsqlDataSource db, string? channel, string? cursor, int? limit, CancellationToken ct) =>
            GetPostingsAsync(memberId, channel, cursor, limit, db, ct))
            .WithSummary("A member's postings, newest first, a page at a time");
        ops.MapGet("/lots", (Guid memberId, NpgsqlDataSource db, string? channel, CancellationToken ct) => GetLotsAsync(memberId, channel, db, ct))
            .WithSummary("A member's lots with points left");
    }

    public static async Task<Ok<AccountsView>> GetAccountsAsync(Guid memberId, BalanceReader balances, CancellationToken ct) =>
        TypedResults.Ok(await balances.ReadAsync(memberId, ct));

    public static async Task<Results<Ok<PostingsPage>, ValidationProblem>> GetPostingsAsync(
        Guid memberId, string? channel, string? cursor, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        Guid? after = Guid.TryParse(cursor, out var parsed) ? parsed : null;
        var errors = new FieldErrors()
            .Require(channel is null || Channel.IsValid(channel), "channel", "One of: online, offline.")
            .Require(limit is null or (>= 1 and <= 200), "limit", "Between 1 and 200.")
            .Require(cursor is null || after is not null, "cursor", "A nextCursor from an earlier page.");
        if (errors.Count > 0) return Problems.Validation(errors);
        var take = limit ?? 50;

        await using var conn = await db.OpenConnectionAsync(ct);
        // Keyset paging on the posting id, which is time-ordered (UUIDv7): newest first, stable while new postings arrive.
        var items = (await conn.QueryAsync<PostingView>(new CommandDefinition(
            """
            select p.id as PostingId, p.effective_at as At, p.kind, a.bucket, p.amount, p.balance_after as BalanceAfter, p.reference
            from postings p join accounts a on a.id = p.account_id
            where a.member_id = @memberId and (@channel::text is null or a.channel = @channel) and (@after::uuid is null or p.id < @after)
            order by p.id desc
            limit @take
            """, new { memberId, channel, after, take = take + 1 }, cancellationToken: ct))).ToList();
        var next = items.Count > take ? items[take - 1].PostingId.ToString() : null;
        return TypedResults.Ok(new PostingsPage([.. items.Take(take)], next));
    }

    public static async Task<Results<Ok<IReadOnlyList<LotView>>, ValidationProblem>> GetLotsAsync(
        Guid memberId, string? channel, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors().Require(channel is null || Channel.IsValid(channel), "channel", "One of: online, offline.");
        if (errors.Count > 0) return Problems.Validation(errors);
        await using var conn = await db.OpenConnectionAsync(ct);
        var lots = (await conn.QueryAsync<LotView>(new CommandDefinition(
            """
            select id as LotId, channel, source, earned_at as EarnedAt, expires_at as ExpiresAt, amount, remaining, status, transferable
            from lots
            where member_id = @memberId and (@channel::text is null or channel = @channel) and status in ('pending', 'earned') and remaining > 0
            order by status desc, expires_at nulls last, earned_at, id
            """, new { memberId, channel }, cancellationToken: ct))).ToList();
        return TypedResults.Ok<IReadOnlyList<LotView>>(lots);
    }
}
