using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>A partner's transaction as recorded: what the statement lists and what refunds and cancellations refer to.</summary>
public sealed record PartnerTransaction
{
    public required Guid Id { get; init; }
    public required Guid PartnerId { get; init; }
    public required string TransactionId { get; init; }
    public required string Kind { get; init; }
    public required Guid MemberId { get; init; }
    public required string Channel { get; init; }
    public Guid? RelatedId { get; init; }
    public decimal? Amount { get; init; }
    public string? Currency { get; init; }
    public decimal? AmountUsd { get; init; }
    public decimal? EarnRate { get; init; }
    /// <summary>Points issued (purchase), taken back (refund), redeemed (redemption) or returned (cancellation).</summary>
    public required long Points { get; init; }
    public string? NoPointsReason { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
}

public static partial class PartnerTransactions
{
    public const string Columns = """
        id, partner_id as PartnerId, transaction_id as TransactionId, kind, member_id as MemberId, channel, related_id as RelatedId,
        amount, currency, amount_usd as AmountUsd, earn_rate as EarnRate, points, no_points_reason as NoPointsReason,
        occurred_at as OccurredAt, recorded_at as RecordedAt
        """;

    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,100}$")]
    private static partial Regex TransactionIdPattern();

    /// <summary>Checks a transaction id field: 1 to 100 letters, digits and <c>. _ : / -</c>.</summary>
    public static FieldErrors RequireTransactionId(this FieldErrors errors, string? id, string field = "transactionId") =>
        errors.Require(id is not null && TransactionIdPattern().IsMatch(id), field, "1 to 100 letters, digits and . _ : / -, unique per partner.");

    /// <summary>Inserts <paramref name="rows"/> in one statement, to send with a session's other writes.</summary>
    public static NpgsqlBatchCommand InsertCommand(IReadOnlyList<PartnerTransaction> rows) => new(
        """
        insert into partner_transactions (id, partner_id, transaction_id, kind, member_id, channel, related_id, amount, currency, amount_usd,
                                          earn_rate, points, no_points_reason, occurred_at, recorded_at)
        select * from unnest(@ids, @partners, @transactionIds, @kinds, @members, @channels, @related, @amounts, @currencies, @amountsUsd,
                             @rates, @points, @reasons, @occurred, @recorded)
        """)
    {
        Parameters =
        {
            new("ids", rows.Select(r => r.Id).ToArray()), new("partners", rows.Select(r => r.PartnerId).ToArray()),
            new("transactionIds", rows.Select(r => r.TransactionId).ToArray()), new("kinds", rows.Select(r => r.Kind).ToArray()),
            new("members", rows.Select(r => r.MemberId).ToArray()), new("channels", rows.Select(r => r.Channel).ToArray()),
            new("related", rows.Select(r => r.RelatedId).ToArray()), new("amounts", rows.Select(r => r.Amount).ToArray()),
            new("currencies", rows.Select(r => r.Currency).ToArray()), new("amountsUsd", rows.Select(r => r.AmountUsd).ToArray()),
            new("rates", rows.Select(r => r.EarnRate).ToArray()), new("points", rows.Select(r => r.Points).ToArray()),
            new("reasons", rows.Select(r => r.NoPointsReason).ToArray()), new("occurred", rows.Select(r => r.OccurredAt).ToArray()),
            new("recorded", rows.Select(r => r.RecordedAt).ToArray()),
        },
    };

    /// <summary>The partner's transaction <paramref name="transactionId"/> of kind <paramref name="kind"/>, locked for the caller's change.</summary>
    public static Task<PartnerTransaction?> FindForUpdateAsync(NpgsqlTransaction tx, Guid partnerId, string transactionId, string kind, CancellationToken ct) =>
        tx.Connection!.QuerySingleOrDefaultAsync<PartnerTransaction>(new CommandDefinition(
            $"select {Columns} from partner_transactions where partner_id = @partnerId and transaction_id = @transactionId and kind = @kind for update",
            new { partnerId, transactionId, kind }, tx, cancellationToken: ct));

    /// <summary>The sum of what later transactions of <paramref name="kind"/> did to <paramref name="relatedId"/> (refunded amount and points …).</summary>
    public static Task<(decimal Amount, long Points, int Count)> FollowUpsAsync(NpgsqlTransaction tx, Guid relatedId, string kind, CancellationToken ct) =>
        tx.Connection!.QuerySingleAsync<(decimal, long, int)>(new CommandDefinition(
            "select coalesce(sum(amount), 0), coalesce(sum(points), 0)::bigint, count(*)::int from partner_transactions where related_id = @relatedId and kind = @kind",
            new { relatedId, kind }, tx, cancellationToken: ct));
}
