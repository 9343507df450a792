using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Balances;

public sealed record NextExpiry(DateTimeOffset At, long Points);

/// <summary><see cref="Balance"/> is earned points minus debt; <see cref="Available"/> is what can be spent now.</summary>
public sealed record ChannelBalance(string Channel, long Balance, long Available, long Pending, long Held, NextExpiry? NextExpiry);

public sealed record AccountsView(Guid MemberId, IReadOnlyList<ChannelBalance> Accounts);

public sealed record PostingView(Guid PostingId, DateTimeOffset At, string Kind, string Bucket, long Amount, long BalanceAfter, string Reference);

public sealed record PostingsPage(IReadOnlyList<PostingView> Items, string? NextCursor);

public static class BalanceEndpoints
{
    public static void MapBalances(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/accounts/me").WithTags("Accounts").RequireAuthorization();
        me.MapGet("", (ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) => GetAccountsAsync(user.MemberId(), db, ct));
        me.MapGet("/postings", (ClaimsPrincipal user, NpgsqlDataSource db, string? channel, long? cursor, int? limit, CancellationToken ct) =>
            GetPostingsAsync(user.MemberId(), channel, cursor, limit, db, ct));

        var ops = app.MapGroup("/ops/members/{memberId:guid}/accounts").WithTags("Ops: accounts").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapGet("", (Guid memberId, NpgsqlDataSource db, CancellationToken ct) => GetAccountsAsync(memberId, db, ct));
        ops.MapGet("/postings", (Guid memberId, NpgsqlDataSource db, string? channel, long? cursor, int? limit, CancellationToken ct) =>
            GetPostingsAsync(memberId, channel, cursor, limit, db, ct));
    }

    public static async Task<Ok<AccountsView>> GetAccountsAsync(Guid memberId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<(string Channel, long Earned, long Pending, DateTimeOffset? ExpiryAt, long? ExpiryPoints)>(new CommandDefinition(
            """
            select c.channel,
                   coalesce((select balance from accounts where member_id = @memberId and channel = c.channel and bucket = 'earned'), 0),
                   coalesce((select balance from accounts where member_id = @memberId and channel = c.channel and bucket = 'pending'), 0),
                   e.expires_at, e.points
            from unnest(array['online', 'offline']) as c(channel)
            left join lateral (
                select expires_at, sum(remaining)::bigint as points from lots
                where member_id = @memberId and channel = c.channel and status = 'earned' and remaining > 0
                group by expires_at order by expires_at limit 1
            ) e on true
            """, new { memberId }, cancellationToken: ct))).ToList();
        return TypedResults.Ok(new AccountsView(memberId, [.. rows.Select(r => new ChannelBalance(
            r.Channel, r.Earned, Math.Max(0, r.Earned), r.Pending, 0,
            r.ExpiryAt is { } at ? new NextExpiry(at, r.ExpiryPoints ?? 0) : null))]));
    }

    public static async Task<Results<Ok<PostingsPage>, ValidationProblem>> GetPostingsAsync(
        Guid memberId, string? channel, long? cursor, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Require(channel is null || Channel.IsValid(channel), "channel", "One of: online, offline.")
            .Require(limit is null or (>= 1 and <= 200), "limit", "Between 1 and 200.");
        if (errors.Count > 0) return Problems.Validation(errors);
        var take = limit ?? 50;

        await using var conn = await db.OpenConnectionAsync(ct);
        // The cursor is the posting's position in the member's history (newest first): a bigint surrogate keeps it opaque enough.
        var items = (await conn.QueryAsync<(long Position, Guid PostingId, DateTimeOffset At, string Kind, string Bucket, long Amount, long BalanceAfter, string Reference)>(
            new CommandDefinition(
                """
                select * from (
                    select row_number() over (order by p.effective_at, p.id) as position,
                           p.id, p.effective_at, p.kind, a.bucket, p.amount, p.balance_after, p.reference
                    from postings p join accounts a on a.id = p.account_id
                    where a.member_id = @memberId and (@channel::text is null or a.channel = @channel)
                ) h
                where @cursor::bigint is null or h.position < @cursor
                order by h.position desc
                limit @take
                """, new { memberId, channel, cursor, take = take + 1 }, cancellationToken: ct))).ToList();
        var next = items.Count > take ? items[take - 1].Position.ToString() : null;
        return TypedResults.Ok(new PostingsPage(
            [.. items.Take(take).Select(p => new PostingView(p.PostingId, p.At, p.Kind, p.Bucket, p.Amount, p.BalanceAfter, p.Reference))], next));
    }
}
