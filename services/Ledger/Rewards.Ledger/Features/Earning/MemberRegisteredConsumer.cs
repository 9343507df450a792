using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>L1: a new member gets an online and an offline account.</summary>
public sealed class MemberRegisteredConsumer(IServiceProvider services) : InboxConsumer<MemberRegistered>(services)
{
    protected override async Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        await LedgerWriter.EnsureAccountsAsync(tx, message.MemberId, Channel.Online, now, ct);
        await LedgerWriter.EnsureAccountsAsync(tx, message.MemberId, Channel.Offline, now, ct);
    }
}
