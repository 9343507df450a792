using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>M1: mails greet the member by the name they use now.</summary>
public sealed class MemberProfileChangedDirectory(IServiceProvider services) : InboxConsumer<MemberProfileChanged>(services)
{
    protected override Task HandleAsync(MemberProfileChanged message, NpgsqlTransaction tx, CancellationToken ct) =>
        DirectoryUpdate.ApplyAsync(tx, message.MemberId, "update member_directory set name = @Name, updated_at = @now where member_id = @MemberId",
            new { message.MemberId, message.Name, now = Clock.GetUtcNow() }, ct);
}

/// <summary>M10/N3: marketing mail goes only to members who opted in, as of their latest choice.</summary>
public sealed class MarketingConsentDirectory(IServiceProvider services) : InboxConsumer<MarketingConsentChanged>(services)
{
    protected override Task HandleAsync(MarketingConsentChanged message, NpgsqlTransaction tx, CancellationToken ct) =>
        DirectoryUpdate.ApplyAsync(tx, message.MemberId, "update member_directory set marketing_opt_in = @OptIn, updated_at = @now where member_id = @MemberId",
            new { message.MemberId, message.OptIn, now = Clock.GetUtcNow() }, ct);
}

internal static class DirectoryUpdate
{
    /// <summary>Applies <paramref name="sql"/>; if the member is not in the directory yet (MemberRegistered still on its way) it throws, so MassTransit retries.</summary>
    public static async Task ApplyAsync(NpgsqlTransaction tx, Guid memberId, string sql, object parameters, CancellationToken ct)
    {
        var updated = await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct));
        if (updated == 0) throw new InvalidOperationException($"Member {memberId} is not in the directory yet");
    }
}
