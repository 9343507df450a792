using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Forfeiture;

/// <summary>L3/M9: a problem customer's benefits are suspended, so purchases earn nothing until the mark is lifted.</summary>
public sealed class MemberSuspendedConsumer(IServiceProvider services) : InboxConsumer<MemberSuspended>(services)
{
    protected override Task HandleAsync(MemberSuspended message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "insert into member_suspensions (member_id, since) values (@MemberId, @At) on conflict do nothing",
            new { message.MemberId, message.At }, tx, cancellationToken: ct));
}

public sealed class MemberSuspensionLiftedConsumer(IServiceProvider services) : InboxConsumer<MemberSuspensionLifted>(services)
{
    protected override Task HandleAsync(MemberSuspensionLifted message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "delete from member_suspensions where member_id = @MemberId and since <= @At", new { message.MemberId, message.At }, tx, cancellationToken: ct));
}
