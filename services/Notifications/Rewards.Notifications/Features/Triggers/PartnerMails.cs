using Npgsql;
using Rewards.Contracts.Partners;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1/L16: a purchase in a partner store earned pending points (a purchase that earned none sends nothing).</summary>
public sealed class PartnerPurchaseMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PartnerPurchaseRecorded>(services)
{
    public const string Type = "partner-purchase";

    protected override async Task HandleAsync(PartnerPurchaseRecorded message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (message.Points == 0) return;
        if (!await PartnerMail.SendAsync(mail, tx, message.RecordId, Type, message.MemberId, member => new
        {
            member.Name, Store = message.PartnerName, Amount = MailFormat.Usd(message.Amount), message.Currency,
            Points = MailFormat.Points(message.Points), EarnsOn = message.EarnsAt is { } at ? MailFormat.Date(at) : null,
        }, ct)) Suppress(MemberDirectory.ErasedReason);
    }
}

/// <summary>N1/L7: a partner store refunded a purchase and the points earned on it were taken back.</summary>
public sealed class PartnerRefundMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PartnerPurchaseRefunded>(services)
{
    public const string Type = "partner-refund";

    protected override async Task HandleAsync(PartnerPurchaseRefunded message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await PartnerMail.SendAsync(mail, tx, message.RecordId, Type, message.MemberId, member => new
        {
            member.Name, Store = message.PartnerName, Amount = MailFormat.Usd(message.Amount), message.Currency,
            Points = MailFormat.Points(message.PointsTakenBack),
        }, ct)) Suppress(MemberDirectory.ErasedReason);
    }
}

/// <summary>N1/L9: the member paid with points in a partner store.</summary>
public sealed class PartnerRedemptionMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PartnerRedemptionMade>(services)
{
    public const string Type = "partner-redemption";

    protected override async Task HandleAsync(PartnerRedemptionMade message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await PartnerMail.SendAsync(mail, tx, message.RecordId, Type, message.MemberId, member => new
        {
            member.Name, Store = message.PartnerName, Points = MailFormat.Points(message.Points), Value = MailFormat.Usd(message.ValueUsd),
        }, ct)) Suppress(MemberDirectory.ErasedReason);
    }
}

/// <summary>N1/L9: a partner store cancelled a payment with points; the points are back.</summary>
public sealed class PartnerRedemptionCancelledMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PartnerRedemptionCancelled>(services)
{
    public const string Type = "partner-redemption-cancelled";

    protected override async Task HandleAsync(PartnerRedemptionCancelled message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await PartnerMail.SendAsync(mail, tx, message.RecordId, Type, message.MemberId, member => new
        {
            member.Name, Store = message.PartnerName, Points = MailFormat.Points(message.PointsReturned),
            ExpiredAgain = message.ExpiredAgain > 0 ? MailFormat.Points(message.ExpiredAgain) : null,
        }, ct)) Suppress(MemberDirectory.ErasedReason);
    }
}

internal static class PartnerMail
{
    /// <summary>One mail per partner transaction (its record id), to the member's address; false for an erased member (no mail).</summary>
    public static async Task<bool> SendAsync(Mailbox mail, NpgsqlTransaction tx, Guid recordId, string type, Guid memberId,
        Func<MemberDirectory.Entry, object> model, CancellationToken ct)
    {
        if (await MemberDirectory.FindAsync(tx, memberId, ct) is not { } member) return false;
        await mail.EnqueueAsync(tx, new Mail(recordId, type, memberId, member.Email, model(member)), ct);
        mail.Wake();
        return true;
    }
}
