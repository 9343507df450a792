using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Ledger.Features.Balances;
using Rewards.Ledger.Features.Credits;

namespace Rewards.Ledger.Features.Partners;

/// <summary>
/// What a partner may know of a member at the till: no name, e-mail or other personal data, only whether the member can
/// earn and spend there, and the points spendable in the partner's channel. <see cref="CanRedeem"/> needs the QR token.
/// </summary>
public sealed record PartnerMemberView(Guid MemberId, string Channel, bool CanEarn, bool CanRedeem, long Available, long Pending);

public static class PartnerMembers
{
    public static async Task<Results<Ok<PartnerMemberView>, ProblemHttpResult>> LookUpAsync(
        string reference, HttpContext context, NpgsqlDataSource db, PartnerKeys keys, BalanceReader balances, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var partner = Partner.Of(context);
        bool leaving;
        MemberReference? member;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            member = await MemberCards.ResolveAsync(conn, keys, reference, clock.GetUtcNow(), ct);
            if (member is null) return PartnerProblems.MemberNotFound();
            leaving = (await CreditLookups.NoLongerEarningAsync(conn, [member.MemberId], ct)).Count > 0;
        }
        var account = (await balances.ReadAsync(member.MemberId, ct)).Accounts.Single(a => a.Channel == partner.Channel);
        var canRedeem = partner.RedemptionAllowed && member.Present && account.Balance >= 0 && account.Available >= policy.Value.PointsUnit;
        return TypedResults.Ok(new PartnerMemberView(member.MemberId, partner.Channel, !leaving, canRedeem, account.Available, account.Pending));
    }
}
