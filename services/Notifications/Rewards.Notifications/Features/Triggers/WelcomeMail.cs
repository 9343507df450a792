using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1: welcome e-mail on registration.</summary>
public sealed class WelcomeMail(IServiceProvider services, Mailbox mail) : InboxConsumer<MemberRegistered>(services)
{
    public const string Type = "welcome";

    protected override async Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await mail.EnqueueAsync(tx, new Mail(message.MemberId, Type, message.MemberId, message.Email, new { message.Name, message.MemberId }), ct);
        mail.Wake();
    }
}
