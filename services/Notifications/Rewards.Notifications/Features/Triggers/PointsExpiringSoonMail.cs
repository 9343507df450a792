using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1/L6: warns the member 30 days before points expire.</summary>
public sealed class PointsExpiringSoonMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PointsExpiringSoon>(services)
{
    public const string Type = "points-expiring-soon";

    protected override async Task HandleAsync(PointsExpiringSoon message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.WarningId, Type, message.MemberId, member.Email, new
        {
            member.Name, Points = MailFormat.Points(message.Points), message.Channel, ExpiresOn = MailFormat.Date(message.ExpiresOn),
        }), ct);
        mail.Wake();
    }
}
