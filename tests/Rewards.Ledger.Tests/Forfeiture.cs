using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>L14: points after withdrawal, disqualification and erasure, from Membership's events.</summary>
public sealed class Forfeiture(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly DateTimeOffset Start = new(2027, 10, 4, 8, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);

    private async Task<bool> ScheduledAsync(Guid member, string status = "scheduled")
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from forfeitures where member_id = @member and status = @status)", new { member, status });
    }

    [Fact]
    [Trait("Rule", "L14")]
    public async Task Should_keep_points_usable_for_the_grace_period_then_forfeit_them_and_earn_nothing_new()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 700);
        await _api.PurchasePointsAsync(member, 300, channel: "offline");
        await _api.PublishAsync(new MemberWithdrawn { MemberId = member, At = Start, GraceEndsAt = Start.AddDays(30) });
        Assert.True(await Eventually.TrueAsync(() => ScheduledAsync(member), LedgerApi.Wait));
        Assert.IsType<PointsHeld>(await _api.HoldAsync(Guid.NewGuid(), member, 200)); // still usable in the grace period

        await _api.SetClockAsync(Start.AddDays(29));
        await _api.RunJobAsync("forfeiture");
        Assert.Equal(700, (await _api.BalanceAsync(member)).Total);

        await _api.SetClockAsync(Start.AddDays(30));
        var result = await _api.RunJobAsync("forfeiture");
        Assert.Contains("forfeited 1000 points of 1 members", result, StringComparison.Ordinal);
        Assert.Equal(new Balance(0, 0, 0, 0), await _api.BalanceAsync(member));
        Assert.Equal(new Balance(0, 0, 0, 0), await _api.BalanceAsync(member, "offline"));

        await _api.PublishAsync(LedgerApi.Paid(Guid.NewGuid(), member, 80m, _api.Now)); // L3: no benefits after withdrawal
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(0, (await _api.BalanceAsync(member)).Pending);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L14")]
    public async Task Should_forfeit_unauthorised_points_at_once_on_disqualification_and_call_off_the_rest_on_reinstatement()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 400);
        var fake = await _api.PurchasePointsAsync(member, 600);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        var postingId = await conn.ExecuteScalarAsync<Guid>("select id from postings where lot_id = @fake and seq is not null", new { fake });

        await _api.PublishAsync(new MemberDisqualified
        {
            MemberId = member, Reason = "unauthorised earning", At = Start, GraceEndsAt = Start.AddDays(30), UnauthorisedPostingIds = [postingId],
        });
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Total == 400, LedgerApi.Wait));

        await _api.PublishAsync(new MemberReinstated { MemberId = member, At = Start.AddDays(5) });
        Assert.True(await Eventually.TrueAsync(() => ScheduledAsync(member, "cancelled"), LedgerApi.Wait));
        await _api.SetClockAsync(Start.AddDays(31));
        await _api.RunJobAsync("forfeiture");
        Assert.Equal(400, (await _api.BalanceAsync(member)).Total);
        await _api.AssertVerifiedAsync();
    }

    [Fact]
    [Trait("Rule", "L14")]
    public async Task Should_forfeit_everything_at_once_on_erasure_releasing_open_holds_and_voiding_pending_points()
    {
        await _api.SetClockAsync(Start);
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 500);
        Assert.IsType<PointsHeld>(await _api.HoldAsync(Guid.NewGuid(), member, 100));
        await _api.PublishAsync(LedgerApi.Paid(Guid.NewGuid(), member, 20m, Start));
        Assert.True(await Eventually.TrueAsync(async () => (await _api.BalanceAsync(member)).Pending == 200, LedgerApi.Wait));

        await _api.PublishAsync(new MemberErased { MemberId = member, At = Start });

        Assert.True(await Eventually.TrueAsync(async () => await _api.BalanceAsync(member) == new Balance(0, 0, 0, 0), LedgerApi.Wait));
        var forfeited = await new NpgsqlConnection(service.Host.ConnectionString).ExecuteScalarAsync<long>(
            "select sum(amount)::bigint from postings where account_id = '00000000-0000-7000-8000-00000000a004' and caused_by like '%erasure%'");
        Assert.True(forfeited >= 700);
        await _api.AssertVerifiedAsync();
    }
}
