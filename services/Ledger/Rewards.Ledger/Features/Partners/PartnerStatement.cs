using System.Buffers.Text;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>
/// <see cref="Kind"/> is <c>purchase</c>, <c>refund</c>, <c>redemption</c> or <c>redemption-cancellation</c>;
/// <see cref="Points"/> are the points it issued, took back, redeemed or returned.
/// </summary>
public sealed record StatementLine(string TransactionId, string Kind, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, Guid MemberId,
    decimal? Amount, string? Currency, decimal? AmountUsd, long Points, string? RelatedTransactionId, string? NoPointsReason);

/// <summary>Totals over the whole date range (not only the page); points are valued at USD 0.001 each (L3).</summary>
public sealed record StatementTotals(int Purchases, decimal PurchasesUsd, long PointsIssued, decimal PointsIssuedUsd, int Refunds, decimal RefundsUsd,
    long PointsTakenBack, int Redemptions, long PointsRedeemed, decimal PointsRedeemedUsd, long PointsReturned);

public sealed record PartnerStatementPage(DateOnly From, DateOnly To, StatementTotals Totals, IReadOnlyList<StatementLine> Items, string? NextCursor);

/// <summary>L16: the partner's transactions between two dates (UTC, inclusive), for reconciliation, with cursor paging.</summary>
public static class PartnerStatement
{
    public static async Task<Results<Ok<PartnerStatementPage>, ValidationProblem>> StatementAsync(
        DateOnly from, DateOnly to, string? cursor, int? limit, HttpContext context, NpgsqlDataSource db, IOptions<ProgramPolicy> policy,
        CancellationToken ct)
    {
        var partner = Partner.Of(context);
        var position = Cursor.Read(cursor);
        var errors = new FieldErrors()
            .Require(to >= from, "to", "On or after 'from'.")
            .Require(to.DayNumber - from.DayNumber <= 366, "to", "At most 366 days per statement.")
            .Require(limit is null or (>= 1 and <= 1000), "limit", "Between 1 and 1000.")
            .Require(cursor is null || position is not null, "cursor", "A nextCursor from an earlier page.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var take = limit ?? 100;
        await using var conn = await db.OpenConnectionAsync(ct);
        var totals = await conn.QuerySingleAsync<StatementTotals>(new CommandDefinition(
            """
            select count(*) filter (where kind = 'purchase')::int as Purchases,
                   coalesce(sum(amount_usd) filter (where kind = 'purchase'), 0) as PurchasesUsd,
                   coalesce(sum(points) filter (where kind = 'purchase'), 0)::bigint as PointsIssued,
                   coalesce(sum(points) filter (where kind = 'purchase'), 0) * @usdPerPoint as PointsIssuedUsd,
                   count(*) filter (where kind = 'refund')::int as Refunds,
                   coalesce(sum(amount_usd) filter (where kind = 'refund'), 0) as RefundsUsd,
                   coalesce(sum(points) filter (where kind = 'refund'), 0)::bigint as PointsTakenBack,
                   count(*) filter (where kind = 'redemption')::int as Redemptions,
                   coalesce(sum(points) filter (where kind = 'redemption'), 0)::bigint as PointsRedeemed,
                   coalesce(sum(points) filter (where kind = 'redemption'), 0) * @usdPerPoint as PointsRedeemedUsd,
                   coalesce(sum(points) filter (where kind = 'redemption-cancellation'), 0)::bigint as PointsReturned
            from partner_transactions where partner_id = @partnerId and occurred_at >= @start and occurred_at < @end
            """, new { partnerId = partner.Id, start, end, usdPerPoint = policy.Value.UsdPerPoint }, cancellationToken: ct));
        var rows = (await conn.QueryAsync<(Guid Id, string TransactionId, string Kind, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, Guid MemberId,
            decimal? Amount, string? Currency, decimal? AmountUsd, long Points, string? Related, string? NoPointsReason)>(new CommandDefinition(
            """
            select t.id, t.transaction_id, t.kind, t.occurred_at, t.recorded_at, t.member_id, t.amount, t.currency, t.amount_usd, t.points,
                   r.transaction_id, t.no_points_reason
            from partner_transactions t left join partner_transactions r on r.id = t.related_id
            where t.partner_id = @partnerId and t.occurred_at >= @start and t.occurred_at < @end
              and (@afterAt::timestamptz is null or (t.occurred_at, t.id) > (@afterAt, @afterId))
            order by t.occurred_at, t.id
            limit @fetch
            """, new { partnerId = partner.Id, start, end, afterAt = position?.At, afterId = position?.Id ?? Guid.Empty, fetch = take + 1 },
            cancellationToken: ct))).ToList();
        var page = rows.Take(take).ToList();
        var next = rows.Count > take ? Cursor.Write(page[^1].OccurredAt, page[^1].Id) : null;
        return TypedResults.Ok(new PartnerStatementPage(from, to, totals,
            [.. page.Select(r => new StatementLine(r.TransactionId, r.Kind, r.OccurredAt, r.RecordedAt, r.MemberId, r.Amount, r.Currency, r.AmountUsd, r.Points,
                r.Related, r.NoPointsReason))], next));
    }

    private static class Cursor
    {
        public static string Write(DateTimeOffset at, Guid id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{at.UtcTicks}:{id}"));

        public static (DateTimeOffset At, Guid Id)? Read(string? cursor)
        {
            if (cursor is null) return null;
            try
            {
                var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
                return parts.Length == 2 && long.TryParse(parts[0], out var ticks) && Guid.TryParse(parts[1], out var id)
                    ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
                    : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
