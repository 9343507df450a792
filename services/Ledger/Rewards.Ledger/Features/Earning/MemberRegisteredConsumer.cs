using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Earning;

/// <summary>
/// L1: a new member gets an online and an offline account. L19: and, unless it is a re-registration, the welcome
/// bonus as an earned, non-transferable promotion lot in the online account.
/// </summary>
public sealed class MemberRegisteredConsumer(IServiceProvider services, IOptions<LedgerPolicy> policy) : InboxConsumer<MemberRegistered>(services)
{
    protected override async Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var online = await LedgerWriter.EnsureAccountsAsync(tx, message.MemberId, Channel.Online, now, ct);
        await LedgerWriter.EnsureAccountsAsync(tx, message.MemberId, Channel.Offline, now, ct);

        var points = policy.Value.WelcomeBonusPoints;
        if (!message.NewMemberBenefits || points == 0) return;

        var lotId = Guid.CreateVersion7();
        var earnedAt = message.RegisteredAt;
        var expiresAt = earnedAt.AddDays(policy.Value.WelcomeBonusDays);
        var reference = $"welcome:{message.MemberId}";
        var inserted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into lots (id, member_id, channel, source, reference, amount, remaining, status, earned_at, expires_at, transferable, created_at)
            select @lotId, @memberId, @channel, 'promotion', @reference, @points, @points, 'earned', @earnedAt, @expiresAt, false, @now
            where not exists (select 1 from lots where member_id = @memberId and reference = @reference)
            """,
            new { lotId, memberId = message.MemberId, channel = Channel.Online, reference, points, earnedAt, expiresAt, now },
            tx, cancellationToken: ct));
        if (inserted == 0) return;

        await LedgerWriter.PostAsync(tx, new LedgerEntry("welcome-bonus", reference, reference, "system:membership", earnedAt, lotId,
            [new Leg(SystemAccounts.Issuance, -points, false), new Leg(online.Earned, points, true)]), ct);
        await Outbox.EnqueueAsync(tx, new PointsEarned
        {
            MemberId = message.MemberId, Channel = Channel.Online, LotId = lotId, Points = points, ExpiresAt = expiresAt, At = earnedAt,
        }, ct: ct);
    }
}
