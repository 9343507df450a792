using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// M10/N3 and N1 across services: a campaign reaches an opted-in member, the mail's link opts them out on Membership
/// without a login, the next campaign passes them by; a terms change still reaches them.
/// </summary>
public sealed partial class Marketing_and_terms_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M10")]
    [Trait("Rule", "N3")]
    [Trait("Rule", "N1")]
    public async Task Should_unsubscribe_from_the_mail_link_and_still_send_terms_notices()
    {
        var now = DateTimeOffset.UtcNow;
        await system.SetClockAsync(now);
        var email = $"fan-{Guid.NewGuid():N}@example.com";
        using (var anonymous = system.Membership.CreateClient())
        {
            var terms = await anonymous.GetFromJsonAsync<JsonElement>("/terms", Ct);
            var registered = await anonymous.PostAsJsonAsync("/members", new
            {
                email, password = "correct-horse-battery", name = "Ye-jin Seo", birthDate = "1998-08-08", country = "KR",
                termsVersion = terms.GetProperty("version").GetString(), acceptTerms = true, consentPersonalInfo = true, marketingOptIn = true,
            }, Ct);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Welcome to Rewards"), Wait));

        var opsToken = await system.LoginOpsAsync();
        using var notificationsOps = system.Notifications.ClientWithToken(opsToken);
        Assert.Equal(1, await CampaignAsync(notificationsOps, "Summer sale"));
        ReceivedMail? campaign = null;
        Assert.True(await Eventually.TrueAsync(async () => (campaign = (await MailSink.ToAsync(email)).FirstOrDefault(m => m.Subject == "Summer sale")) is not null, Wait));

        var link = new Uri(UnsubscribeLink().Match(campaign!.Text).Value);
        using (var browser = system.Membership.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(link.PathAndQuery, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync(link.PathAndQuery, null, Ct)).StatusCode);
        }
        using (var member = system.Membership.ClientWithToken(await system.LoginAsync(email)))
            Assert.False((await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("marketingOptIn").GetBoolean());
        Assert.True(await Eventually.TrueAsync(async () => await CampaignAsync(notificationsOps, $"Autumn sale {Guid.NewGuid():N}") == 0, Wait),
            "the opt-out never reached Notifications");

        using var membershipOps = system.Membership.ClientWithToken(opsToken);
        var effective = DateOnly.FromDateTime(now.UtcDateTime).AddDays(14);
        var published = await membershipOps.PostAsJsonAsync("/ops/terms", new
        {
            version = $"v-{Guid.NewGuid():N}"[..12], effectiveFrom = effective, url = "https://shop.example/terms/next", summary = "A new help desk address.",
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () =>
            (await MailSink.ToAsync(email)).Count(m => m.Subject == $"Our terms change on {effective:yyyy-MM-dd}") == 1, Wait));
    }

    private static async Task<int> CampaignAsync(HttpClient ops, string subject)
    {
        var response = await ops.PostAsJsonAsync("/ops/marketing-mails", new { subject, text = "Up to 30% off.", countries = new[] { "KR" } }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("recipients").GetInt32();
    }

    [GeneratedRegex(@"http\S+/unsubscribe\?token=[A-Za-z0-9_-]+")]
    private static partial Regex UnsubscribeLink();
}
