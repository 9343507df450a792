using Microsoft.AspNetCore.Identity;
using Rewards.Membership.Features.Auth;
using Rewards.Membership.Features.Profile;
using Rewards.Membership.Features.Dormancy;
using Rewards.Membership.Features.Registration;
using Rewards.Membership.Features.Standing;
using Rewards.Membership.Features.Terms;
using Rewards.Membership.Features.Tiers;
using Rewards.Membership.Features.Withdrawal;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Marketing;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership;

public static class MembershipModule
{
    public static WebApplicationBuilder AddMembership(this WebApplicationBuilder builder)
    {
        builder.AddDatabase("Membership", typeof(MembershipModule).Assembly);
        builder.AddMessaging("membership", x =>
        {
            x.AddConsumer<OrderPaidProjection>();
            x.AddConsumer<OrderDeliveredProjection>();
            x.AddConsumer<OrderPickedUpProjection>();
            x.AddConsumer<OrderCancelledProjection>();
            x.AddConsumer<OrderRefundedProjection>();
        });
        builder.Services.AddOptions<ProgramPolicy>().Bind(builder.Configuration.GetSection("Policy"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<UnsubscribeLinks>().Bind(builder.Configuration.GetSection("Marketing"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OpsAccountsOptions>().Bind(builder.Configuration.GetSection("Ops"));
        builder.Services.Configure<PasswordHasherOptions>(builder.Configuration.GetSection("PasswordHashing"));
        builder.Services.AddSingleton<IPasswordHasher<object>, PasswordHasher<object>>();
        builder.Services.AddSingleton<TokenIssuer>();
        LedgerClient.Register(builder);
        builder.Services.AddClockJob<DormancyJob>();
        builder.Services.AddClockJob<TierJob>();
        return builder;
    }

    public static WebApplication MapMembershipEndpoints(this WebApplication app)
    {
        app.MapTerms();
        app.MapRegistration();
        app.MapAuth();
        app.MapProfile();
        app.MapProfileChanges();
        app.MapUnsubscribe();
        app.MapPasswordReset();
        app.MapWithdrawal();
        app.MapOpsMembers();
        app.MapOpsMemberSearch();
        return app;
    }
}
