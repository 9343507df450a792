namespace Rewards.Partners.Client;

// Field meanings are in the partner API's OpenAPI document (/openapi/partner-v1.json) and the README.

/// <summary>A purchase: <c>Member</c> is a member id, card number or QR token; <c>Amount</c> is what was actually paid.</summary>
public sealed record PurchaseRequest(string TransactionId, string Member, decimal Amount, string Currency, DateTimeOffset PurchasedAt,
    bool UsedOtherPromotion = false);

/// <summary><c>Status</c> is <c>pending</c> (earned at <c>EarnsAt</c>) or <c>no-points</c> with <c>NoPointsReason</c>.</summary>
public sealed record PurchaseResult(string TransactionId, Guid MemberId, decimal Amount, string Currency, decimal AmountUsd, long Points,
    string Status, DateTimeOffset? EarnsAt, string? NoPointsReason);

/// <summary>A refund in the purchase's currency; a null <c>Amount</c> refunds all that is not refunded yet.</summary>
public sealed record RefundRequest(string TransactionId, string PurchaseTransactionId, decimal? Amount = null);

public sealed record RefundResult(string TransactionId, string PurchaseTransactionId, Guid MemberId, decimal Amount, string Currency,
    long PointsTakenBack, long PendingVoided, long EarnedClawedBack, decimal AmountLeft);

/// <summary>Paying with points (units of 10); <c>Member</c> must be the QR token from the member's app.</summary>
public sealed record RedemptionRequest(string TransactionId, string Member, long Points);

public sealed record RedemptionResult(string TransactionId, Guid MemberId, long Points, decimal ValueUsd, long AvailableAfter);

public sealed record RedemptionCancellationRequest(string TransactionId, string RedemptionTransactionId);

public sealed record RedemptionCancellationResult(string TransactionId, string RedemptionTransactionId, Guid MemberId, long PointsReturned, long ExpiredAgain);

public sealed record MemberView(Guid MemberId, string Channel, bool CanEarn, bool CanRedeem, long Available, long Pending);

public sealed record StatementLine(string TransactionId, string Kind, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, Guid MemberId,
    decimal? Amount, string? Currency, decimal? AmountUsd, long Points, string? RelatedTransactionId, string? NoPointsReason);

public sealed record StatementTotals(int Purchases, decimal PurchasesUsd, long PointsIssued, decimal PointsIssuedUsd, int Refunds, decimal RefundsUsd,
    long PointsTakenBack, int Redemptions, long PointsRedeemed, decimal PointsRedeemedUsd, long PointsReturned);

public sealed record StatementPage(DateOnly From, DateOnly To, StatementTotals Totals, IReadOnlyList<StatementLine> Items, string? NextCursor);
