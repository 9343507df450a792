using System.Diagnostics.Metrics;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using Rewards.ServiceDefaults.Marketing;

namespace Rewards.Notifications.Features.Dispatch;

/// <summary>
/// Sends due notifications over SMTP (N1) and records the outcome. A transient failure is retried with exponential
/// back-off; a rejected recipient or too many attempts mark the notification failed (N2). Each message carries
/// its notification id as Message-ID, so a resend after a crash between send and mark can be recognised. A marketing
/// mail whose member opted out after it was written is suppressed, not sent (M10), and every marketing mail carries
/// the one-click unsubscribe headers (RFC 8058).
/// </summary>
public sealed class MailDispatcher(
    NpgsqlDataSource db, Mailbox queue, TimeProvider clock, IOptions<SmtpOptions> options, IOptions<UnsubscribeLinks> links, IMeterFactory meters,
    ILogger<MailDispatcher> logger)
    : BackgroundService
{
    private const int BatchSize = 50;
    private readonly Counter<long> _attempts = meters.Create("Rewards.Mail").CreateCounter<long>("rewards.mail.attempts", "{attempt}",
        "Mail sending attempts by notification type and outcome (sent, retry, failed; suppressed for a marketing mail after an opt-out): rewards_mail_attempts_total");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try { sent = await DispatchOnceAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Mail dispatch pass failed; retrying");
            }
            if (sent < BatchSize) await queue.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
    }

    internal async Task<int> DispatchOnceAsync(CancellationToken ct)
    {
        var smtp = options.Value;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var due = (await conn.QueryAsync<DueMail>(new CommandDefinition(
            """
            select n.id, n.type, n.to_address as ToAddress, n.subject, n.body, n.html_body as HtmlBody, n.attempts, n.member_id as MemberId,
                   n.marketing, n.marketing and not coalesce(d.marketing_opt_in, false) as OptedOut
            from notifications n left join member_directory d on n.marketing and d.member_id = n.member_id
            where n.status = 'pending' and n.next_attempt_at <= @now
            order by n.next_attempt_at limit @limit for update of n skip locked
            """, new { now, limit = BatchSize }, tx, cancellationToken: ct))).AsList();
        if (due.Count == 0) return 0;

        using var client = new SmtpClient();
        Exception? connectionError = null;
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
            if (smtp.Username is not null) await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            connectionError = ex;
        }

        var outcomes = new List<(string Type, string Status)>(due.Count);
        foreach (var mail in due)
        {
            var (status, error) = mail.OptedOut ? ("suppressed", "the member opted out of marketing mail")
                : connectionError is null ? await SendAsync(client, mail, smtp, ct) : ("retry", connectionError.Message);
            var attempts = mail.Attempts + 1;
            if (status == "retry" && attempts >= smtp.MaxAttempts) status = "failed";
            if (status is "retry" or "failed") logger.LogWarning("Mail {NotificationId} attempt {Attempt}: {Status} ({Error})", mail.Id, attempts, status, error);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update notifications set attempts = case @status when 'suppressed' then attempts else @attempts end, last_error = @error,
                    status = case @status when 'retry' then 'pending' else @status end,
                    sent_at = case @status when 'sent' then @now else sent_at end,
                    next_attempt_at = @next
                where id = @Id
                """,
                new { mail.Id, attempts, error, status, now, next = now + TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempts), 3600)) },
                tx, cancellationToken: ct));
            outcomes.Add((mail.Type, status));
        }
        if (client.IsConnected) await client.DisconnectAsync(true, ct);
        await tx.CommitAsync(ct);
        foreach (var (type, status) in outcomes)
            _attempts.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", status));
        return due.Count;
    }

    private async Task<(string Status, string? Error)> SendAsync(SmtpClient client, DueMail mail, SmtpOptions smtp, CancellationToken ct)
    {
        var body = new BodyBuilder { TextBody = mail.Body, HtmlBody = mail.HtmlBody };
        var message = new MimeMessage { Subject = mail.Subject, MessageId = $"{mail.Id}@rewards", Body = body.ToMessageBody() };
        message.From.Add(new MailboxAddress(smtp.FromName, smtp.From));
        if (mail is { Marketing: true, MemberId: { } memberId })
        {
            message.Headers.Add("List-Unsubscribe", $"<{links.Value.LinkFor(memberId)}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        try
        {
            message.To.Add(MailboxAddress.Parse(mail.ToAddress));
            await client.SendAsync(message, ct);
            return ("sent", null);
        }
        catch (ParseException ex) { return ("failed", ex.Message); }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500) { return ("failed", ex.Message); }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException) { return ("retry", ex.Message); }
    }

    private sealed record DueMail(Guid Id, string Type, string ToAddress, string Subject, string Body, string? HtmlBody, int Attempts, Guid? MemberId,
        bool Marketing, bool OptedOut);
}
