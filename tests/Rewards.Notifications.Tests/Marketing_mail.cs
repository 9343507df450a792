using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Marketing;
using Rewards.ServiceDefaults.Marketing;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>M10/N3: promotional mail goes to the opted-in members of a segment, each with a working unsubscribe link.</summary>
public sealed class Marketing_mail(NotificationsService service) : IClassFixture<NotificationsService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M10")]
    [Trait("Rule", "N3")]
    public async Task Should_reach_only_opted_in_members_of_the_segment_with_a_signed_unsubscribe_link()
    {
        var country = RandomCountry();
        var inSegment = NotificationsService.NewEmail("mk-in");
        var gold = NotificationsService.NewEmail("mk-gold");
        var optedOut = NotificationsService.NewEmail("mk-out");
        var elsewhere = NotificationsService.NewEmail("mk-elsewhere");
        var inSegmentId = await service.MemberAsync(inSegment, country: country);
        var goldId = await service.MemberAsync(gold, country: country);
        await service.MemberAsync(optedOut, marketingOptIn: false, country: country);
        await service.MemberAsync(elsewhere, country: country == "ZZ" ? "ZY" : "ZZ");
        await service.PublishAsync(new MemberTierChanged
        {
            MemberId = goldId, Tier = "gold", PreviousTier = "standard", EarnMultiplier = 1m, SpendLast12MonthsUsd = 2500m, At = DateTimeOffset.UtcNow,
        });

        using var ops = service.OpsClient();
        var sent = await SendAsync(ops, new { subject = "Spring sale", text = "Ten percent off everything.\n\nUntil Sunday.", countries = new[] { country } });
        Assert.Equal(2, sent.GetProperty("recipients").GetInt32());

        foreach (var (email, memberId) in new[] { (inSegment, inSegmentId), (gold, goldId) })
        {
            IReadOnlyList<ReceivedMail> mails = [];
            Assert.True(await Eventually.TrueAsync(async () => (mails = await MailSink.ToAsync(email)).Any(m => m.Subject == "Spring sale"), NotificationsService.Wait));
            var mail = mails.Single(m => m.Subject == "Spring sale");
            var links = new UnsubscribeLinks { UnsubscribeKey = ServiceHost<object>.UnsubscribeKey };
            Assert.Contains(links.LinkFor(memberId), mail.Text, StringComparison.Ordinal);
            var source = await MailSink.SourceAsync(mail);
            Assert.Equal($"<{links.LinkFor(memberId)}>", source.Headers["List-Unsubscribe"]?.Trim());
            Assert.Equal("List-Unsubscribe=One-Click", source.Headers["List-Unsubscribe-Post"]);
            Assert.Contains("<p>Until Sunday.</p>", mail.Html, StringComparison.Ordinal);
        }

        Assert.True(await Eventually.TrueAsync(async () => (await service.LogAsync(goldId, MarketingEndpoints.Type)).Count == 1, NotificationsService.Wait));
        var toGold = await SendAsync(ops, new { subject = "For our gold members", text = "A gift.", countries = new[] { country }, tiers = new[] { "gold" } });
        Assert.Equal(1, toGold.GetProperty("recipients").GetInt32());
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(gold)).Any(m => m.Subject == "For our gold members"), NotificationsService.Wait));

        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        Assert.DoesNotContain(await MailSink.ToAsync(optedOut), m => m.Subject == "Spring sale");
        Assert.DoesNotContain(await MailSink.ToAsync(elsewhere), m => m.Subject == "Spring sale");
        Assert.DoesNotContain(await MailSink.ToAsync(inSegment), m => m.Subject == "For our gold members");
    }

    [Fact]
    [Trait("Rule", "N3")]
    public async Task Should_refuse_a_campaign_without_subject_or_text_and_to_non_ops()
    {
        using var ops = service.OpsClient();
        var response = await ops.PostAsJsonAsync("/ops/marketing-mails", new { subject = " ", text = "", countries = new[] { "KOR" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("subject", out _));
        Assert.True(errors.TryGetProperty("text", out _));
        Assert.True(errors.TryGetProperty("countries", out _));

        using var member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "member@example.com"));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/ops/marketing-mails", new { subject = "x", text = "y" }, Ct)).StatusCode);
    }

    internal static async Task<JsonElement> SendAsync(HttpClient ops, object campaign)
    {
        var response = await ops.PostAsJsonAsync("/ops/marketing-mails", campaign, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    /// <summary>A country code no other test uses, so that a segment holds only this test's members.</summary>
    internal static string RandomCountry() => $"{(char)('A' + Random.Shared.Next(26))}{(char)('A' + Random.Shared.Next(26))}";
}

/// <summary>Notifications whose SMTP server is unreachable: mails stay pending, retried with back-off.</summary>
public sealed class NotificationsWithoutSmtp : NotificationsService
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Smtp:Port"] = "1" };
}

/// <summary>M10: opting out takes effect at once, even for a campaign mail already waiting to be sent.</summary>
public sealed class Marketing_opt_out(NotificationsWithoutSmtp service) : IClassFixture<NotificationsWithoutSmtp>
{
    [Fact]
    [Trait("Rule", "M10")]
    public async Task Should_not_send_a_waiting_campaign_mail_once_the_member_opted_out()
    {
        var memberId = await service.MemberAsync(NotificationsService.NewEmail("mk-late"), country: "KR");
        using var ops = service.OpsClient();
        var sent = await Marketing_mail.SendAsync(ops, new { subject = "Last chance", text = "Ends tonight.", countries = new[] { "KR" } });
        Assert.True(sent.GetProperty("recipients").GetInt32() >= 1);
        Assert.True(await Eventually.TrueAsync(async () => (await service.LogAsync(memberId, MarketingEndpoints.Type)) is [var m] && m.GetProperty("attempts").GetInt32() >= 1,
            NotificationsService.Wait), "the campaign mail was never tried");

        await service.PublishAsync(new MarketingConsentChanged { MemberId = memberId, OptIn = false, At = DateTimeOffset.UtcNow });

        Assert.True(await Eventually.TrueAsync(async () => (await service.LogAsync(memberId, MarketingEndpoints.Type))[0].GetProperty("status").GetString() == "suppressed",
            NotificationsService.Wait), "the waiting mail was not suppressed");
    }
}
