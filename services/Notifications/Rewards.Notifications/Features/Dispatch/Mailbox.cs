using Dapper;
using Npgsql;
using Rewards.ServiceDefaults;

namespace Rewards.Notifications.Features.Dispatch;

/// <summary>
/// One e-mail: <paramref name="Type"/> names its template, <paramref name="Model"/> fills it. At most one mail per
/// (<paramref name="EventId"/>, type): a repeated event writes nothing.
/// </summary>
public sealed record Mail(Guid EventId, string Type, Guid? MemberId, string To, object Model)
{
    public Guid? CampaignId { get; init; }
    public bool Marketing => CampaignId is not null;
}

public sealed record Recipient(Guid MemberId, string Email, string Name);

/// <summary>Renders e-mails and puts them into the notifications table inside the consumer's transaction; <see cref="MailDispatcher"/> sends them.</summary>
public sealed class Mailbox(TimeProvider clock, MailTemplates templates)
{
    private readonly WakeSignal _wake = new();

    public Task EnqueueAsync(NpgsqlTransaction tx, Mail mail, CancellationToken ct) => EnqueueAsync(tx, [mail], ct);

    /// <summary>Many mails in one statement (a notice to every member, a campaign); returns how many were new.</summary>
    public async Task<int> EnqueueAsync(NpgsqlTransaction tx, IReadOnlyList<Mail> mails, CancellationToken ct)
    {
        if (mails.Count == 0) return 0;
        var rendered = mails.Select(m => templates.Render(m.Type, m.Model)).ToList();
        return await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into notifications (id, event_id, type, member_id, to_address, subject, body, html_body, marketing, campaign_id, status, next_attempt_at, created_at)
            select id, event_id, type, member_id, to_address, subject, body, html_body, campaign_id is not null, campaign_id, 'pending', @now, @now
            from unnest(@ids, @eventIds, @types, @memberIds, @to, @subjects, @bodies, @htmls, @campaignIds)
                 as m(id, event_id, type, member_id, to_address, subject, body, html_body, campaign_id)
            on conflict (event_id, type) do nothing
            """,
            new
            {
                ids = mails.Select(_ => Guid.CreateVersion7()).ToArray(),
                eventIds = mails.Select(m => m.EventId).ToArray(),
                types = mails.Select(m => m.Type).ToArray(),
                memberIds = mails.Select(m => m.MemberId).ToArray(),
                to = mails.Select(m => m.To).ToArray(),
                subjects = rendered.Select(r => r.Subject).ToArray(),
                bodies = rendered.Select(r => r.Text).ToArray(),
                htmls = rendered.Select(r => r.Html).ToArray(),
                campaignIds = mails.Select(m => m.CampaignId).ToArray(),
                now = clock.GetUtcNow(),
            }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The event id of one member's mail in a fan-out (a terms notice, a campaign): derived from the fan-out's id and the
    /// member's, so that repeating the fan-out finds the mails it already wrote.
    /// </summary>
    public static Guid PerMember(string fanOut, Guid memberId) =>
        new(System.Security.Cryptography.SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes(fanOut), .. memberId.ToByteArray()]).AsSpan(0, 16));

    /// <summary>
    /// Writes one mail per member of the directory that <paramref name="filter"/> (SQL over member_directory) admits,
    /// a page at a time, so that no list of all members is held; returns how many mails were new.
    /// </summary>
    public async Task<int> EnqueueForEachAsync(NpgsqlTransaction tx, string filter, object? filterArgs, Func<Recipient, Mail> mailTo, CancellationToken ct)
    {
        const int page = 1000;
        var written = 0;
        var after = Guid.Empty;
        while (true)
        {
            var args = new DynamicParameters(filterArgs);
            args.Add("after", after);
            args.Add("page", page);
            var recipients = (await tx.Connection!.QueryAsync<Recipient>(new CommandDefinition(
                $"""
                select member_id as MemberId, email, name from member_directory
                where member_id > @after and ({filter}) order by member_id limit @page
                """, args, tx, cancellationToken: ct))).AsList();
            if (recipients.Count == 0) return written;
            written += await EnqueueAsync(tx, recipients.Select(mailTo).ToList(), ct);
            after = recipients[^1].MemberId;
        }
    }

    public void Wake() => _wake.Raise();

    internal Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}
