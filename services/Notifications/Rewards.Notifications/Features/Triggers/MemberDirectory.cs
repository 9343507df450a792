using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>Keeps the member's address and name for events that name only the member id.</summary>
public sealed class MemberDirectory(IServiceProvider services) : InboxConsumer<MemberRegistered>(services)
{
    protected override Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into member_directory (member_id, email, name, marketing_opt_in, updated_at)
            values (@MemberId, @Email, @Name, @MarketingOptIn, @now)
            on conflict (member_id) do update set email = excluded.email, name = excluded.name,
                marketing_opt_in = excluded.marketing_opt_in, updated_at = excluded.updated_at
            """, new { message.MemberId, message.Email, message.Name, message.MarketingOptIn, now = Clock.GetUtcNow() },
            tx, cancellationToken: ct));

    public sealed record Entry(string Email, string Name);

    /// <summary>
    /// The member's entry. Filled from MemberRegistered, which may not have arrived yet: then this throws, so that
    /// MassTransit retries the message instead of losing the e-mail.
    /// </summary>
    public static async Task<Entry> GetAsync(NpgsqlTransaction tx, Guid memberId, CancellationToken ct) =>
        await tx.Connection!.QuerySingleOrDefaultAsync<Entry>(new CommandDefinition(
            "select email, name from member_directory where member_id = @memberId", new { memberId }, tx, cancellationToken: ct))
        ?? throw new InvalidOperationException($"Member {memberId} is not in the directory yet");
}
