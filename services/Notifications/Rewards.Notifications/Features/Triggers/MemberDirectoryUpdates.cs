using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Notifications.Features.Triggers;

/// <summary>M1: mails greet the member by the name they use now; campaigns segment by the country they live in now.</summary>
public sealed class MemberProfileChangedDirectory(IServiceProvider services) : InboxConsumer<MemberProfileChanged>(services)
{
    protected override async Task HandleAsync(MemberProfileChanged message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await DirectoryUpdate.ApplyAsync(tx, message.MemberId, "update member_directory set name = @Name, country = @Country, updated_at = @now where member_id = @MemberId",
                new { message.MemberId, message.Name, message.Country, now = Clock.GetUtcNow() }, ct))
            Suppress(MemberDirectory.ErasedReason);
    }
}

/// <summary>M10/N3: marketing mail goes only to members who opted in, as of their latest choice.</summary>
public sealed class MarketingConsentDirectory(IServiceProvider services) : InboxConsumer<MarketingConsentChanged>(services)
{
    protected override async Task HandleAsync(MarketingConsentChanged message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await DirectoryUpdate.ApplyAsync(tx, message.MemberId, "update member_directory set marketing_opt_in = @OptIn, updated_at = @now where member_id = @MemberId",
                new { message.MemberId, message.OptIn, now = Clock.GetUtcNow() }, ct))
            Suppress(MemberDirectory.ErasedReason);
    }
}

/// <summary>M11/N3: campaigns can address a grade.</summary>
public sealed class MemberTierDirectory(IServiceProvider services) : InboxConsumer<MemberTierChanged>(services)
{
    protected override async Task HandleAsync(MemberTierChanged message, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!await DirectoryUpdate.ApplyAsync(tx, message.MemberId, "update member_directory set tier = @Tier, updated_at = @now where member_id = @MemberId",
                new { message.MemberId, message.Tier, now = Clock.GetUtcNow() }, ct))
            Suppress(MemberDirectory.ErasedReason);
    }
}

internal static class DirectoryUpdate
{
    /// <summary>
    /// Applies <paramref name="sql"/>; false when the member was erased. If the member is not in the directory yet
    /// (MemberRegistered still on its way) it throws, so MassTransit retries.
    /// </summary>
    public static async Task<bool> ApplyAsync(NpgsqlTransaction tx, Guid memberId, string sql, object parameters, CancellationToken ct)
    {
        if (await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct)) > 0) return true;
        return await MemberDirectory.FindAsync(tx, memberId, ct) is not null; // null: erased; otherwise it throws "not yet"
    }
}
