using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1/L6: tells the member that points have expired.</summary>
public sealed class PointsExpiredMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PointsExpired>(services)
{
    public const string Type = "points-expired";

    protected override async Task HandleAsync(PointsExpired message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        // One e-mail per expiry event; the event id is stable across redeliveries (the inbox covers those).
        await mail.EnqueueAsync(tx, new Mail(message.LotIds.Order().First(), Type, message.MemberId, member.Email, new
        {
            member.Name, Points = MailFormat.Points(message.Points), message.Channel, On = MailFormat.Date(message.At),
        }), ct);
        mail.Wake();
    }
}
