using Rewards.Contracts.Ledger;
using Rewards.Orders.Features.Amendment;
using Rewards.Orders.Features.Checkout;
using Rewards.Orders.Features.ExchangeRates;
using Rewards.Orders.Features.Fulfilment;
using Rewards.Orders.Features.Members;
using Rewards.Orders.Features.Payments;
using Rewards.Orders.Features.Placing;
using Rewards.Orders.Features.Refunds;
using Rewards.Orders.Features.Viewing;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders;

public static class OrdersModule
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.AddDatabase("Orders", typeof(OrdersModule).Assembly);
        builder.AddMessaging("orders", x =>
        {
            x.AddConsumer<MemberSuspendedConsumer>();
            x.AddConsumer<MemberSuspensionLiftedConsumer>();
            x.AddConsumer<CommitRefusedConsumer>();
            x.AddConsumer<ExchangeRateSetConsumer>();
            x.AddConsumer<MemberTierChangedConsumer>();
            x.AddConsumer<MemberErasedConsumer>();
            x.AddRequestClient<HoldPoints>();
        });
        builder.Services.AddOptions<CheckoutOptions>().Bind(builder.Configuration.GetSection("Checkout")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<PointsHolds>();
        builder.Services.AddClockJob<PaymentTimeoutJob>();
        builder.Services.AddOptions<ProgramPolicy>().Bind(builder.Configuration.GetSection("Policy"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PaymentProviderOptions>().Bind(builder.Configuration.GetSection("PaymentProvider"))
            .ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static WebApplication MapOrdersEndpoints(this WebApplication app)
    {
        app.MapPlacing();
        app.MapPayments();
        app.MapFulfilment();
        app.MapCancellation();
        app.MapRefunds();
        app.MapAmendment();
        app.MapViewing();
        return app;
    }
}
