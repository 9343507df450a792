using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>Keeps the member's address and name for events that name only the member id, and what marketing segments by.</summary>
public sealed class MemberDirectory(IServiceProvider services) : InboxConsumer<MemberRegistered>(services)
{
    protected override Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into member_directory (member_id, email, name, country, marketing_opt_in, updated_at)
            select @MemberId, @Email, @Name, @Country, @MarketingOptIn, @now
            where not exists (select 1 from erased_members where member_id = @MemberId)
            on conflict (member_id) do update set email = excluded.email, name = excluded.name, country = excluded.country,
                marketing_opt_in = excluded.marketing_opt_in, updated_at = excluded.updated_at
            """, new { message.MemberId, message.Email, message.Name, message.Country, message.MarketingOptIn, now = Clock.GetUtcNow() },
            tx, cancellationToken: ct));

    public sealed record Entry(string Email, string Name);

    /// <summary>
    /// The member's entry, or null when the member was erased: a mail to them can never be sent. Filled from
    /// MemberRegistered, which may not have arrived yet: then this throws, so that MassTransit retries the message
    /// instead of losing the e-mail.
    /// </summary>
    public static async Task<Entry?> FindAsync(NpgsqlTransaction tx, Guid memberId, CancellationToken ct)
    {
        var found = await tx.Connection!.QuerySingleOrDefaultAsync<(string? Email, string? Name, bool Erased)>(new CommandDefinition(
            """
            select d.email, d.name, e.member_id is not null
            from (select @memberId as member_id) m
            left join member_directory d on d.member_id = m.member_id
            left join erased_members e on e.member_id = m.member_id
            """, new { memberId }, tx, cancellationToken: ct));
        if (found.Erased) return null;
        return found.Email is { } email ? new Entry(email, found.Name!)
            : throw new InvalidOperationException($"Member {memberId} is not in the directory yet");
    }

    public const string ErasedReason = "the member was erased";
}
