using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1/M5: the member is told 30 days ahead that they will become dormant.</summary>
public sealed class DormancyWarningMail(IServiceProvider services, Mailbox mail) : InboxConsumer<MemberDormancyWarning>(services)
{
    public const string Type = "dormancy-warning";

    protected override async Task HandleAsync(MemberDormancyWarning message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.WarningId, Type, message.MemberId, member.Email,
            new { member.Name, LastActivity = MailFormat.Date(message.LastActivityAt), DormantOn = MailFormat.Date(message.DormantAt) }), ct);
        mail.Wake();
    }
}

/// <summary>N1/M5: the member is told they are dormant and when the membership will be deleted.</summary>
public sealed class DormancyMail(IServiceProvider services, Mailbox mail) : InboxConsumer<MemberWentDormant>(services)
{
    public const string Type = "dormancy";

    protected override async Task HandleAsync(MemberWentDormant message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.DormancyId, Type, message.MemberId, member.Email,
            new { member.Name, ErasureOn = MailFormat.Date(message.ErasureAt) }), ct);
        mail.Wake();
    }
}

/// <summary>N1/M7: confirms the withdrawal and says until when the points can still be used.</summary>
public sealed class WithdrawalMail(IServiceProvider services, Mailbox mail) : InboxConsumer<MemberWithdrawn>(services)
{
    public const string Type = "withdrawal";

    protected override async Task HandleAsync(MemberWithdrawn message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        await mail.EnqueueAsync(tx, new Mail(message.MemberId, Type, message.MemberId, member.Email,
            new { member.Name, GraceEndsOn = message.GraceEndsAt > message.At ? MailFormat.Date(message.GraceEndsAt) : null }), ct);
        mail.Wake();
    }
}

/// <summary>N1/M8: the member is notified of the disqualification.</summary>
public sealed class DisqualificationMail(IServiceProvider services, Mailbox mail) : InboxConsumer<MemberDisqualified>(services)
{
    public const string Type = "disqualification";

    protected override async Task HandleAsync(MemberDisqualified message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, message.MemberId, ct) is not { } member)
        {
            Suppress(MemberDirectory.ErasedReason);
            return;
        }
        var eventId = message.DisqualificationId == Guid.Empty ? message.MemberId : message.DisqualificationId;
        await mail.EnqueueAsync(tx, new Mail(eventId, Type, message.MemberId, member.Email,
            new { member.Name, message.Reason, GraceEndsOn = MailFormat.Date(message.GraceEndsAt) }), ct);
        mail.Wake();
    }
}

/// <summary>M5/M7: once Membership has erased a member, their address and the texts sent to it go here too.</summary>
public sealed class MemberErasedDirectory(IServiceProvider services) : InboxConsumer<MemberErased>(services)
{
    protected override Task HandleAsync(MemberErased message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into erased_members (member_id, erased_at) values (@MemberId, @now) on conflict do nothing;
            delete from member_directory where member_id = @MemberId;
            update order_directory set email = '(erased)', name = '(erased)' where member_id = @MemberId;
            update notifications set to_address = '(erased)', body = '(erased)', html_body = null,
                                     status = case when status = 'pending' then 'suppressed' else status end,
                                     last_error = case when status = 'pending' then 'member erased before it was sent' else last_error end
            where member_id = @MemberId or event_id in (select order_id from order_directory where member_id = @MemberId);
            delete from outbox_messages where published_at is not null and body->>'memberId' = @id;
            """, new { message.MemberId, id = message.MemberId.ToString(), now = Clock.GetUtcNow() }, tx, cancellationToken: ct));
}
