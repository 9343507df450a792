using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1: welcome e-mail on registration.</summary>
public sealed class WelcomeMail(IServiceProvider services, Mailbox mail, IOptions<ProgrammeFigures> figures) : InboxConsumer<MemberRegistered>(services)
{
    public const string Type = "welcome";

    protected override async Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await mail.EnqueueAsync(tx, new Mail(message.MemberId, Type, message.MemberId, message.Email,
            "Welcome to Rewards",
            $"""
            Dear {message.Name},

            welcome to Rewards. From now on every purchase earns you points: {figures.Value.EarnRatePercent} of what you pay, credited as
            pending when you pay and yours to spend {figures.Value.PendingHours} hours after delivery.

            Your membership number is {message.MemberId}.
            """), ct);
        mail.Wake();
    }
}
