using Dapper;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Members;

/// <summary>
/// M5/M7: once Membership has erased a member, their orders keep what commerce records need (number, dates, lines,
/// amounts, status history, payments, refunds) without the person: e-mail, name, address, passport hash and flight
/// go, and so do the published events and replayable answers that carried them.
/// </summary>
public sealed class MemberErasedConsumer(IServiceProvider services) : InboxConsumer<MemberErased>(services)
{
    public const string Erased = "(erased)";

    protected override Task HandleAsync(MemberErased message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            update orders set customer_email = @erased, customer_name = @erased, shipping_address = @erased,
                              passport_hash = null, flight = null
            where member_id = @MemberId;
            delete from outbox_messages where published_at is not null and body->>'memberId' = @id;
            delete from idempotency_keys where scope = @id;
            """, new { message.MemberId, id = message.MemberId.ToString(), erased = Erased }, tx, cancellationToken: ct));
}
