using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Members;

/// <summary>M9: the problem customers Membership has suspended; they cannot place orders until the mark is lifted.</summary>
public static class SuspendedMembers
{
    public static async Task<bool> IsSuspendedAsync(NpgsqlConnection conn, Guid memberId, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from suspended_members where member_id = @memberId)", new { memberId }, cancellationToken: ct));
}

public sealed class MemberSuspendedConsumer(IServiceProvider services) : InboxConsumer<MemberSuspended>(services)
{
    protected override Task HandleAsync(MemberSuspended message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "insert into suspended_members (member_id, since) values (@MemberId, @At) on conflict do nothing",
            new { message.MemberId, message.At }, tx, cancellationToken: ct));
}

public sealed class MemberSuspensionLiftedConsumer(IServiceProvider services) : InboxConsumer<MemberSuspensionLifted>(services)
{
    protected override Task HandleAsync(MemberSuspensionLifted message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "delete from suspended_members where member_id = @MemberId and since <= @At", new { message.MemberId, message.At }, tx, cancellationToken: ct));
}
