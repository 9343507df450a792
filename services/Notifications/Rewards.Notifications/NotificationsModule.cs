using Rewards.Notifications.Features.Dispatch;
using Rewards.Notifications.Features.Log;
using Rewards.Notifications.Features.Marketing;
using Rewards.Notifications.Features.Terms;
using Rewards.Notifications.Features.Triggers;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Marketing;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications;

public static class NotificationsModule
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.AddDatabase("Notifications", typeof(NotificationsModule).Assembly);
        builder.AddMessaging("notifications", x =>
        {
            x.AddConsumer<WelcomeMail>();
            x.AddConsumer<PasswordResetMail>();
            x.AddConsumer<MemberProfileChangedDirectory>();
            x.AddConsumer<MarketingConsentDirectory>();
            x.AddConsumer<PaymentConfirmedMail>();
            x.AddConsumer<OrderReceivedMail>();
            x.AddConsumer<OrderShippedMail>();
            x.AddConsumer<OrderCancelledMail>();
            x.AddConsumer<OrderRefundedMail>();
            x.AddConsumer<MemberDirectory>();
            x.AddConsumer<PointsExpiredMail>();
            x.AddConsumer<PointsExpiringSoonMail>();
            x.AddConsumer<DormancyWarningMail>();
            x.AddConsumer<DormancyMail>();
            x.AddConsumer<WithdrawalMail>();
            x.AddConsumer<DisqualificationMail>();
            x.AddConsumer<MemberErasedDirectory>();
            x.AddConsumer<MemberTierDirectory>();
            x.AddConsumer<TermsChangeNoticeMails>();
            x.AddConsumer<PartnerPurchaseMail>();
            x.AddConsumer<PartnerRefundMail>();
            x.AddConsumer<PartnerRedemptionMail>();
            x.AddConsumer<PartnerRedemptionCancelledMail>();
        });
        builder.Services.AddOptions<ProgrammeFigures>().Bind(builder.Configuration.GetSection("Policy")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SmtpOptions>().Bind(builder.Configuration.GetSection("Smtp"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<UnsubscribeLinks>().Bind(builder.Configuration.GetSection("Marketing"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<MailTemplates>();
        builder.Services.AddSingleton<Mailbox>();
        builder.Services.AddHostedService<MailDispatcher>();
        return builder;
    }

    public static WebApplication MapNotificationsEndpoints(this WebApplication app)
    {
        app.MapNotificationLog();
        app.MapMarketing();
        return app;
    }
}
