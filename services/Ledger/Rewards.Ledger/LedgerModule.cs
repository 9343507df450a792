using Rewards.Ledger.Features.Activation;
using Rewards.Ledger.Features.Balances;
using Rewards.Ledger.Features.Clawback;
using Rewards.Ledger.Features.Corrections;
using Rewards.Ledger.Features.Credits;
using Rewards.Ledger.Features.Earning;
using Rewards.Ledger.Features.ExchangeRates;
using Rewards.Ledger.Features.Expiry;
using Rewards.Ledger.Features.Forfeiture;
using Rewards.Ledger.Features.Holds;
using Rewards.Ledger.Features.Partners;
using Rewards.Ledger.Features.Reports;
using Rewards.Ledger.Features.Spending;
using Rewards.Ledger.Features.Storage;
using Rewards.Ledger.Features.Verification;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger;

public static class LedgerModule
{
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        builder.AddDatabase("Ledger", typeof(LedgerModule).Assembly, appRole: "rewards_ledger_app");
        builder.AddMessaging("ledger", x =>
        {
            x.AddConsumer<MemberRegisteredConsumer>();
            // Earning joins CreditBatcher's batches: many messages in flight let each batch fill up.
            x.AddConsumer<OrderPaidConsumer>().Endpoint(e =>
            {
                e.PrefetchCount = 512;
                e.ConcurrentMessageLimit = 256;
            });
            x.AddConsumer<OrderDeliveredConsumer>();
            x.AddConsumer<OrderPickedUpConsumer>();
            x.AddConsumer<OrderCancelledConsumer>();
            x.AddConsumer<OrderRefundedConsumer>();
            x.AddConsumer<HoldPointsConsumer>();
            x.AddConsumer<CommitPointsHoldConsumer>();
            x.AddConsumer<ReleasePointsHoldConsumer>();
            x.AddConsumer<MemberWithdrawnConsumer>();
            x.AddConsumer<MemberDisqualifiedConsumer>();
            x.AddConsumer<MemberReinstatedConsumer>();
            x.AddConsumer<MemberErasedConsumer>();
            x.AddConsumer<MemberSuspendedConsumer>();
            x.AddConsumer<MemberSuspensionLiftedConsumer>();
        });
        builder.Services.AddOptions<ProgramPolicy>().Bind(builder.Configuration.GetSection("Policy"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CreditBatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CreditBatcher>());
        builder.Services.AddSingleton<BalanceReader>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BalanceReader>());
        builder.Services.AddClockJob<ActivationJob>();
        builder.Services.AddClockJob<ExpiryJob>();
        builder.Services.AddClockJob<ExpiryWarningJob>();
        builder.Services.AddClockJob<HoldTimeoutJob>();
        builder.Services.AddClockJob<ForfeitureJob>();
        builder.Services.AddSingleton<LedgerVerifier>();
        builder.Services.AddSingleton<VerifyPasses>();
        builder.Services.AddSingleton<HoldMetrics>();
        builder.Services.AddClockJob<VerifyJob>();
        builder.Services.AddClockJob<PostingPartitionsJob>();
        builder.Services.AddClockJob<LiabilityMonthsJob>();
        builder.AddPartners();
        return builder;
    }

    public static WebApplication MapLedgerEndpoints(this WebApplication app)
    {
        app.MapBalances();
        app.MapSpending();
        app.MapVerification();
        app.MapCredits();
        app.MapCorrections();
        app.MapLiability();
        app.MapExchangeRates();
        app.MapPartners();
        return app;
    }
}
