using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>
/// L16: the partner integration API under /partner/v1, in its own OpenAPI document (partner-v1). Every request is
/// signed (<see cref="PartnerSignatureHandler"/>) and limited per partner; every change is idempotent by the partner's
/// transaction id.
/// </summary>
public static class PartnerApi
{
    public const string Document = "partner-v1";

    public static WebApplicationBuilder AddPartners(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PartnerOptions>().Bind(builder.Configuration.GetSection("Partners")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PartnerKeys>();
        services.AddSingleton<PartnerKeyDirectory>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, PartnerSignatureHandler>(PartnerSignatureHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(PartnerSignatureHandler.Policy, p => p
            .AddAuthenticationSchemes(PartnerSignatureHandler.SchemeName).RequireAuthenticatedUser());
        // A token bucket per partner, as large as its requests per second: a burst of one second's worth, then that rate.
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(PartnerSignatureHandler.Policy, context =>
            context.Features.Get<Partner>() is { } partner
                ? RateLimitPartition.GetTokenBucketLimiter($"{partner.Id}:{partner.RequestsPerSecond}", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = partner.RequestsPerSecond, TokensPerPeriod = partner.RequestsPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("unsigned")));
        services.AddClockJob<PartnerNonceCleanupJob>();
        services.AddOpenApi(Document, options => PartnerOpenApi.Apply(options));
        return builder;
    }

    public static void MapPartners(this IEndpointRouteBuilder app)
    {
        app.MapPartnerAdmin();
        app.MapMemberCards();
        var partner = app.MapGroup("/partner/v1").WithGroupName(Document).WithTags("Partner stores")
            .RequireAuthorization(PartnerSignatureHandler.Policy).RequireRateLimiting(PartnerSignatureHandler.Policy);
        partner.MapGet("/members/{reference}", PartnerMembers.LookUpAsync).Refuses(404, "member-not-found")
            .WithSummary("Look up a member by member id, card number or QR token");
        partner.MapPost("/purchases", PartnerPurchases.PurchaseAsync)
            .WithBatchedIdempotency().WithIdempotencyKeyInBody("transactionId", PartnerReuse)
            .WithExample("""
                {"transactionId": "POS7-2027-03-01-000123", "member": "9123456789012345", "amount": 120.00, "currency": "USD", "purchasedAt": "2027-03-01T09:00:00Z", "usedOtherPromotion": false}
                """, """
                {"transactionId": "POS7-2027-03-01-000123", "memberId": "01935f2e-1111-7cc1-9d4e-3c0f8b6a2d11", "amount": 120.00, "currency": "USD", "amountUsd": 120.00, "points": 2400, "status": "pending", "earnsAt": "2027-03-03T09:00:00Z", "noPointsReason": null}
                """).Refuses(404, "member-not-found").Refuses(409, PartnerReuse).Refuses(422, "exchange-rate-not-found")
            .WithSummary("Record a purchase: pending points at the partner's rate, earned 48 h later (L3, L4, L17)");
        partner.MapPost("/refunds", PartnerRefunds.RefundAsync).WithIdempotencyKeyInBody("transactionId", PartnerReuse)
            .WithExample("""
                {"transactionId": "POS7-2027-03-02-000007", "purchaseTransactionId": "POS7-2027-03-01-000123", "amount": 40.00}
                """).Refuses(404, "purchase-not-found").Refuses(409, PartnerReuse).Refuses(422, "refund-exceeds-purchase")
            .WithSummary("Refund all or part of a purchase; the points earned on it are taken back (L7)");
        partner.MapPost("/redemptions", PartnerRedemptions.RedeemAsync).WithIdempotencyKeyInBody("transactionId", PartnerReuse)
            .WithExample("""
                {"transactionId": "POS7-2027-03-01-000124", "member": "9123456789012345.1804237200.Qm9vbXRva2VuMTIzNDU2", "points": 5000}
                """).Refuses(400, "invalid-points-unit").Refuses(403, "partner-redemption-excluded", "member-token-required")
            .Refuses(404, "member-not-found").Refuses(409, "insufficient-points", "negative-balance", PartnerReuse)
            .WithSummary("Pay with points, in units of 10 (L9); needs the member's QR token");
        partner.MapPost("/redemption-cancellations", PartnerRedemptions.CancelAsync).WithIdempotencyKeyInBody("transactionId", PartnerReuse)
            .WithExample("""
                {"transactionId": "POS7-2027-03-01-000125", "redemptionTransactionId": "POS7-2027-03-01-000124"}
                """).Refuses(404, "redemption-not-found").Refuses(409, "redemption-already-cancelled", PartnerReuse)
            .WithSummary("Cancel a redemption; the points go back into their lots");
        partner.MapGet("/statement", PartnerStatement.StatementAsync)
            .WithSummary("The partner's transactions between two dates, with totals, for reconciliation");
    }

    /// <summary>A transaction id used again with a different request.</summary>
    public const string PartnerReuse = "transaction-id-reuse";
}
