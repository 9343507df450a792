using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Partners;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Credits;
using Rewards.Ledger.Features.ExchangeRates;
using Rewards.ServiceDefaults.Http;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Rewards.Ledger.Features.Partners;

public sealed record PartnerPurchaseRequest
{
    /// <summary>The partner's id for this purchase, unique per partner: a repeat returns the first answer and changes nothing.</summary>
    public required string TransactionId { get; init; }
    /// <summary>The member: a member id, the card number, or the QR token from the member's app.</summary>
    public required string Member { get; init; }
    /// <summary>L3: the amount actually paid, without points, gift certificates or other rewards used.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 code (default USD); converted at the exchange rate in force on the purchase date.</summary>
    public string? Currency { get; init; }
    /// <summary>When the purchase was made; the points earn 48 h later (L4). At most 90 days ago.</summary>
    public required DateTimeOffset PurchasedAt { get; init; }
    /// <summary>L17: the purchase used another promotion, discount or loyalty programme (then it earns no points, by default).</summary>
    public bool UsedOtherPromotion { get; init; }
}

/// <summary>
/// <see cref="Status"/> is <c>pending</c> (the points earn at <see cref="EarnsAt"/>) or <c>no-points</c>, with the reason:
/// <c>stacked-promotion</c> (L17), <c>purchase-before-enrolment</c> (L3), <c>member-not-eligible</c> (withdrawn,
/// disqualified or suspended, L14), <c>amount-too-small</c>.
/// </summary>
public sealed record PartnerPurchaseResult(string TransactionId, Guid MemberId, decimal Amount, string Currency, decimal AmountUsd, long Points,
    string Status, DateTimeOffset? EarnsAt, string? NoPointsReason);

/// <summary>
/// L16, L3, L4, L17: a purchase in a partner store. It earns at the partner's own rate, as pending points that earn
/// 48 h after the purchase, and goes through <see cref="CreditBatcher"/> like every other credit: the partner's
/// transaction id is the request's idempotency key (kept for ever), recorded with the answer and the partner's
/// transaction in the credit's own commit.
/// </summary>
public static class PartnerPurchases
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(90);

    public static async Task<Results<Created<PartnerPurchaseResult>, IdempotentReplay, ValidationProblem, ProblemHttpResult>> PurchaseAsync(
        PartnerPurchaseRequest request, HttpContext context, CreditBatcher credits, NpgsqlDataSource db, PartnerKeys keys, TimeProvider clock,
        IOptions<ProgramPolicy> policy, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var partner = Partner.Of(context);
        var now = clock.GetUtcNow();
        var currency = (request.Currency ?? "USD").Trim().ToUpperInvariant();
        var errors = new FieldErrors().RequireTransactionId(request.TransactionId)
            .Require(!string.IsNullOrWhiteSpace(request.Member) && request.Member.Length <= 200, "member", "A member id, card number or QR token.")
            .Require(request.Amount is > 0 and <= 100_000_000 && request.Amount == decimal.Round(request.Amount, 2), "amount",
                "A positive amount with at most 2 decimals.")
            .Require(currency.Length == 3 && currency.All(char.IsAsciiLetterUpper), "currency", "An ISO 4217 code such as USD or KRW.")
            .Require(request.PurchasedAt <= now + PartnerSignatureHandler.AllowedSkew, "purchasedAt", "Not in the future.")
            .Require(request.PurchasedAt >= now - MaxAge, "purchasedAt", $"At most {MaxAge.TotalDays:0} days ago.");
        if (errors.Count > 0) return Problems.Validation(errors);
        var claim = IdempotencyRecords.ClaimOf(context) ?? throw new InvalidOperationException("A valid transaction id is claimed by the middleware");

        var purchasedAt = request.PurchasedAt.ToUniversalTime();
        // A member id is checked in the credit's batch; a card number or token is looked up here.
        var member = Guid.TryParse(request.Member, out var memberId) ? new MemberReference(memberId, false) : null;
        decimal? usdPerUnit = currency == "USD" ? 1m : null;
        if (member is null || usdPerUnit is null)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            member ??= await MemberCards.ResolveAsync(conn, keys, request.Member, now, ct);
            if (member is null) return PartnerProblems.MemberNotFound();
            usdPerUnit ??= await ExchangeRateEndpoints.UsdPerUnitAsync(conn, currency, purchasedAt, ct);
        }
        if (usdPerUnit is null)
            return Problems.Of(422, "exchange-rate-not-found", "No exchange rate in force", $"No {currency} rate is in force on {purchasedAt:yyyy-MM-dd}.");

        var amountUsd = decimal.Round(request.Amount * usdPerUnit.Value, 2);
        var reason = request.UsedOtherPromotion && !policy.Value.EarnOnStackedPurchases ? "stacked-promotion" : null;
        var points = reason is null ? Domain.Earning.Points(amountUsd, partner.EarnRate, policy.Value.UsdPerPoint) : 0;
        if (points == 0) reason ??= "amount-too-small";
        var id = Guid.CreateVersion7();
        var earnsAt = purchasedAt.AddHours(policy.Value.PendingHours);

        PartnerPurchaseResult ResultOf(CreditOutcome outcome) => outcome.Status == CreditStatus.Credited
            ? new(request.TransactionId, member.MemberId, request.Amount, currency, amountUsd, points, "pending", earnsAt, null)
            : new(request.TransactionId, member.MemberId, request.Amount, currency, amountUsd, 0, "no-points", null,
                outcome.Status == CreditStatus.PurchaseBeforeEnrolment ? "purchase-before-enrolment" : reason ?? "member-not-eligible");

        var outcome = await credits.CreditAsync(new CreditCommand
        {
            MemberId = member.MemberId, Channel = partner.Channel, Points = points, From = new CreditSource.PartnerPurchase(id),
            IdempotencyKey = id.ToString(), CausedBy = Actor.Partner(partner.Id), EarnedAt = purchasedAt,
            Pending = new PendingCredit { ActivateAfter = earnsAt },
            Nonce = context.Features.Get<PartnerNonce>(), MemberMustBeKnown = true, AlsoAnnounces = true,
            Idempotency = new CreditIdempotency(claim, o => IdempotencyRecords.Response(claim, 201, ResultOf(o), json.Value.SerializerOptions)),
            Also = (session, o) =>
            {
                var result = ResultOf(o);
                session.SaveAlso(new PartnerTransaction
                {
                    Id = id, PartnerId = partner.Id, TransactionId = request.TransactionId, Kind = "purchase", MemberId = member.MemberId,
                    Channel = partner.Channel, Amount = request.Amount, Currency = currency, AmountUsd = amountUsd, EarnRate = partner.EarnRate,
                    Points = result.Points, NoPointsReason = result.NoPointsReason, OccurredAt = purchasedAt, RecordedAt = session.Now,
                }, PartnerTransactions.InsertCommand);
                session.Publish(new PartnerPurchaseRecorded
                {
                    RecordId = id, PartnerId = partner.Id, PartnerName = partner.Name, TransactionId = request.TransactionId, MemberId = member.MemberId,
                    Channel = partner.Channel, Amount = request.Amount, Currency = currency, AmountUsd = amountUsd, Points = result.Points,
                    NoPointsReason = result.NoPointsReason, EarnsAt = result.EarnsAt, PurchasedAt = purchasedAt, LotId = o.LotId,
                });
            },
        }, ct);
        if (outcome.Status == CreditStatus.KeyUsedBefore) return new IdempotentReplay(outcome.FirstResponse, claim);
        if (outcome.Status == CreditStatus.AlreadyHandled) return PartnerSignatureHandler.NonceReusedProblem();
        if (outcome.Status == CreditStatus.UnknownMember) return PartnerProblems.MemberNotFound();
        return TypedResults.Created($"/partner/v1/statement", ResultOf(outcome));
    }
}

public static class PartnerProblems
{
    public static ProblemHttpResult MemberNotFound() =>
        Problems.Of(404, "member-not-found", "No such member",
            "The member id, card number or QR token names no member (a QR token is valid for minutes: ask the member to show it again).");
}
