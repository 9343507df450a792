using Rewards.Ledger.Features.Activation;
using Rewards.Ledger.Features.Balances;
using Rewards.Ledger.Features.Credits;
using Rewards.Ledger.Features.Earning;
using Rewards.Ledger.Features.Expiry;
using Rewards.Ledger.Features.Verification;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger;

public static class LedgerModule
{
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        builder.AddDatabase("Ledger", typeof(LedgerModule).Assembly);
        builder.AddMessaging("ledger", x =>
        {
            x.AddConsumer<MemberRegisteredConsumer>();
            x.AddConsumer<OrderPaidConsumer>();
            x.AddConsumer<OrderDeliveredConsumer>();
        });
        builder.Services.AddOptions<LedgerPolicy>().Bind(builder.Configuration.GetSection("Policy"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddClockJob<ActivationJob>();
        builder.Services.AddClockJob<ExpiryJob>();
        builder.Services.AddClockJob<ExpiryWarningJob>();
        return builder;
    }

    public static WebApplication MapLedgerEndpoints(this WebApplication app)
    {
        app.MapBalances();
        app.MapVerification();
        app.MapCredits();
        return app;
    }
}
