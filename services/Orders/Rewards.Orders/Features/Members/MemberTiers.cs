using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Members;

/// <summary>M11: keeps each member's latest earn-rate multiplier; an older change arriving late does not overwrite a newer one.</summary>
public sealed class MemberTierChangedConsumer(IServiceProvider services) : InboxConsumer<MemberTierChanged>(services)
{
    protected override Task HandleAsync(MemberTierChanged message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into member_tiers (member_id, earn_multiplier, changed_at) values (@MemberId, @EarnMultiplier, @At)
            on conflict (member_id) do update set earn_multiplier = excluded.earn_multiplier, changed_at = excluded.changed_at
            where member_tiers.changed_at < excluded.changed_at
            """, new { message.MemberId, message.EarnMultiplier, message.At }, tx, cancellationToken: ct));
}
