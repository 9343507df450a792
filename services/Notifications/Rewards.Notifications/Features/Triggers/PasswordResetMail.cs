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
        await mail.EnqueueAsync(tx, new Mail(message.RequestId, Type, message.MemberId, message.Email,
            "Resetting your Rewards password",
            $"""
            Dear {message.Name},

            somebody, hopefully you, asked to reset the password of your Rewards membership.
            Your reset code is:

                {message.Token}

            It works once, until {message.ExpiresAt:yyyy-MM-dd HH:mm} UTC. If you did not ask for it, ignore this e-mail:
            your password stays as it is.
            """), ct);
        mail.Wake();
    }
}
