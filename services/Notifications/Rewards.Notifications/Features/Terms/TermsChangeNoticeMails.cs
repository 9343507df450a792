using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Notifications.Features.Triggers;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Terms;

/// <summary>
/// N1: every member is told of new terms once, when ops publish them (Membership refuses a notice shorter than 7
/// days, 30 for an unfavourable change). Transactional mail: it goes whatever the marketing consent.
/// </summary>
public sealed class TermsChangeNoticeMails(IServiceProvider services, Mailbox mail) : InboxConsumer<TermsChangeAnnounced>(services)
{
    public const string Type = "terms-change";

    protected override async Task HandleAsync(TermsChangeAnnounced message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var noticeDays = message.EffectiveFrom.DayNumber - DateOnly.FromDateTime(message.At.UtcDateTime).DayNumber;
        await mail.EnqueueForEachAsync(tx, "true", null, member => new Mail(Mailbox.PerMember($"terms:{message.Version}", member.MemberId), Type,
            member.MemberId, member.Email, new
            {
                member.Name, message.Version, EffectiveFrom = MailFormat.Date(message.EffectiveFrom), message.Url, message.Summary,
                message.Unfavourable, NoticeDays = noticeDays,
            }), ct);
        mail.Wake();
    }
}
