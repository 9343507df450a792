using Dapper;
using Npgsql;
using Rewards.ServiceDefaults;

namespace Rewards.Notifications.Features.Dispatch;

public sealed record Mail(Guid EventId, string Type, Guid? MemberId, string To, string Subject, string Body);

/// <summary>Puts e-mails into the notifications table inside the consumer's transaction; <see cref="MailDispatcher"/> sends them.</summary>
public sealed class Mailbox(TimeProvider clock)
{
    private readonly WakeSignal _wake = new();

    public async Task EnqueueAsync(NpgsqlTransaction tx, Mail mail, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into notifications (id, event_id, type, member_id, to_address, subject, body, status, next_attempt_at, created_at)
            values (@id, @EventId, @Type, @MemberId, @To, @Subject, @Body, 'pending', @now, @now)
            on conflict (event_id, type) do nothing
            """,
            new { id = Guid.CreateVersion7(), mail.EventId, mail.Type, mail.MemberId, mail.To, mail.Subject, mail.Body, now },
            tx, cancellationToken: ct));
    }

    public void Wake() => _wake.Raise();

    internal Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}
