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
/// bonus as an earned, non-transferable promotion lot in the online account. L3: the enrolment date is kept, so no
/// purchase made before it earns.
/// </summary>
public sealed class MemberRegisteredConsumer(IServiceProvider services, IOptions<ProgramPolicy> policy) : InboxConsumer<MemberRegistered>(services)
{
    protected override async Task HandleAsync(MemberRegistered message, NpgsqlTransaction tx, CancellationToken ct)
    {
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into member_enrolments (member_id, registered_at) values (@MemberId, @RegisteredAt)
            on conflict (member_id) do update set registered_at = greatest(member_enrolments.registered_at, excluded.registered_at)
            """, new { message.MemberId, message.RegisteredAt }, tx, cancellationToken: ct));
        var session = new LedgerSession(tx, Outbox, Clock.GetUtcNow());
        await session.LockAsync([(message.MemberId, Channel.Online), (message.MemberId, Channel.Offline)], ct);

        var points = policy.Value.WelcomeBonusPoints;
        var book = session.Book(message.MemberId, Channel.Online);
        var reference = $"welcome:{message.MemberId}";
        if (message.NewMemberBenefits && points > 0 && !await session.AlreadyPostedAsync(book.Earned, reference, ct))
        {
            var earnedAt = message.RegisteredAt;
            var expiresAt = earnedAt.AddDays(policy.Value.WelcomeBonusDays);
            var (_, lot, _) = session.CreditEarned(book, points, SystemAccounts.Issuance,
                Entry.WelcomeBonus(message.MemberId, earnedAt),
                p => session.AddLot(book, LotSource.Promotion, reference, p, "earned", earnedAt, expiresAt, transferable: false));
            if (lot is not null)
            {
                session.Publish(new PointsEarned { MemberId = message.MemberId, Channel = Channel.Online, LotId = lot.Id, Points = lot.Amount, ExpiresAt = expiresAt, At = earnedAt });
            }
        }
        await session.SaveAsync(ct);
    }
}
