using System.Globalization;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>N1/M6: the password-reset e-mail with its single-use token (transactional: sent whatever the marketing consent).</summary>
public sealed class PasswordResetMail(IServiceProvider services, Mailbox mail) : InboxConsumer<PasswordResetRequested>(services)
{
    public const string Type = "password-reset";

    protected override async Task HandleAsync(PasswordResetRequested message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await mail.EnqueueAsync(tx, new Mail(message.RequestId, Type, message.MemberId, message.Email, new
        {
            message.Name, message.Token, ExpiresAt = message.ExpiresAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        }), ct);
        mail.Wake();
    }
}
