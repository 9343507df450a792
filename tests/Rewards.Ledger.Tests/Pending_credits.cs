using Microsoft.Extensions.DependencyInjection;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.Ledger.Features.Credits;

namespace Rewards.Ledger.Tests;

/// <summary>
/// L4 for purchases made elsewhere than in the shop: pending points whose activation time is known when they are
/// credited (a partner store's purchase: 48 h after it) activate then, with no order and no delivery.
/// </summary>
public sealed class Pending_credits(LedgerService service) : IClassFixture<LedgerService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "L4")]
    public async Task Should_activate_pending_points_at_the_time_given_with_them()
    {
        var api = new LedgerApi(service.Host);
        var purchasedAt = new DateTimeOffset(2027, 5, 10, 12, 0, 0, TimeSpan.Zero);
        await api.SetClockAsync(purchasedAt);
        var memberId = Guid.CreateVersion7();
        var credits = service.Host.Services.GetRequiredService<CreditBatcher>();
        var command = new CreditCommand
        {
            MemberId = memberId, Channel = Channel.Online, Points = 1200, From = new CreditSource.PartnerPurchase(Guid.CreateVersion7()),
            IdempotencyKey = $"purchase:{Guid.NewGuid():N}", CausedBy = Actor.Partner(Guid.NewGuid()), EarnedAt = purchasedAt,
            Pending = new PendingCredit { ActivateAfter = purchasedAt.AddHours(48) },
        };

        Assert.Equal(CreditStatus.Credited, (await credits.CreditAsync(command, Ct)).Status);
        Assert.Equal(CreditStatus.AlreadyCredited, (await credits.CreditAsync(command, Ct)).Status);
        Assert.Equal(new Balance(0, 0, 1200, 0), await api.BalanceAsync(memberId));

        await api.SetClockAsync(purchasedAt.AddHours(47));
        await api.RunJobAsync("activation");
        Assert.Equal(new Balance(0, 0, 1200, 0), await api.BalanceAsync(memberId));

        await api.SetClockAsync(purchasedAt.AddHours(48).AddMinutes(1));
        await api.RunJobAsync("activation");
        Assert.Equal(new Balance(1200, 1200, 0, 0), await api.BalanceAsync(memberId));
        await api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L3")]
    public async Task Should_credit_a_shop_order_whose_payment_time_a_skewed_clock_puts_before_the_enrolment()
    {
        var api = new LedgerApi(service.Host);
        var now = new DateTimeOffset(2027, 5, 20, 12, 0, 0, TimeSpan.Zero);
        await api.SetClockAsync(now);
        var memberId = Guid.CreateVersion7();
        await api.PublishAsync(new Contracts.Membership.MemberRegistered
        {
            MemberId = memberId, Email = "m@example.com", Name = "M", Country = "KR", MarketingOptIn = false, NewMemberBenefits = false, RegisteredAt = now,
        });

        Assert.True(await Testing.Eventually.TrueAsync(async () =>
        {
            await using var conn = new Npgsql.NpgsqlConnection(service.Host.ConnectionString);
            return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(conn, "select exists (select 1 from member_enrolments where member_id = @memberId)", new { memberId });
        }, LedgerApi.Wait), "the Ledger has recorded the enrolment");

        // Orders' clock runs a second behind Membership's: the order looks paid before the member enrolled, which it cannot be.
        await api.PublishAsync(LedgerApi.Paid(Guid.NewGuid(), memberId, 42m, now.AddSeconds(-1)));

        Assert.True(await Testing.Eventually.TrueAsync(async () => (await api.BalanceAsync(memberId)).Pending == 420, LedgerApi.Wait));
    }
}
