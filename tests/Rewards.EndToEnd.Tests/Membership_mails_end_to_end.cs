using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>N1 for the member lifecycle: dormancy warning and notice (M5), disqualification (M8), each mailed once.</summary>
public sealed class Membership_mails_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> RunDormancyAsync()
    {
        using var ops = system.Membership.ClientWithToken(await system.LoginOpsAsync());
        var run = await (await ops.PostAsync("/ops/jobs/dormancy/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        return run.GetProperty("result").GetString()!;
    }

    private static async Task<bool> MailedAsync(string email, string subject) =>
        (await MailSink.ToAsync(email)).Any(m => m.Subject == subject);

    [Fact]
    [Trait("Rule", "M5")]
    [Trait("Rule", "M8")]
    [Trait("Rule", "N1")]
    public async Task Should_mail_the_dormancy_warning_the_dormancy_notice_and_a_disqualification_once_each()
    {
        var start = DateTimeOffset.UtcNow;
        await system.SetClockAsync(start);
        var sleeper = $"sleeper-{Guid.NewGuid():N}@example.com";
        var cheat = $"cheat-{Guid.NewGuid():N}@example.com";
        await system.RegisterAsync(sleeper);
        var cheatId = await system.RegisterAsync(cheat);

        using (var ops = system.Membership.ClientWithToken(await system.LoginOpsAsync()))
        {
            (await ops.PostAsJsonAsync($"/ops/members/{cheatId}/disqualification", new { reason = "Unpaid amounts" }, Ct)).EnsureSuccessStatusCode();
        }
        Assert.True(await Eventually.TrueAsync(() => MailedAsync(cheat, "Your membership has been disqualified"), Wait));
        Assert.Contains("Reason: Unpaid amounts", (await MailSink.ToAsync(cheat)).Single(m => m.Subject.Contains("disqualified", StringComparison.Ordinal)).Text,
            StringComparison.Ordinal);

        await system.SetClockAsync(start.AddDays(335).AddMinutes(5));
        Assert.StartsWith("warned 1,", await RunDormancyAsync(), StringComparison.Ordinal); // the disqualified member is not warned
        Assert.True(await Eventually.TrueAsync(() => MailedAsync(sleeper, "Your membership will become dormant"), Wait));

        await system.SetClockAsync(start.AddDays(365).AddMinutes(5));
        Assert.StartsWith("warned 0, made dormant 1", await RunDormancyAsync(), StringComparison.Ordinal);
        Assert.True(await Eventually.TrueAsync(() => MailedAsync(sleeper, "Your membership is now dormant"), Wait));

        Assert.StartsWith("warned 0, made dormant 0", await RunDormancyAsync(), StringComparison.Ordinal);
        await Task.Delay(500, Ct);
        var mails = await MailSink.ToAsync(sleeper);
        Assert.Equal(["Welcome to Rewards", "Your membership is now dormant", "Your membership will become dormant"], mails.Select(m => m.Subject).Order());
    }
}
