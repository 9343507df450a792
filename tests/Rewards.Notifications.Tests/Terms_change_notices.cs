using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Terms;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>N1: a terms change is announced to every member, once, whatever their marketing consent; erased members get nothing.</summary>
public sealed class Terms_change_notices(NotificationsService service) : IClassFixture<NotificationsService>
{
    [Fact]
    [Trait("Rule", "N1")]
    [Trait("Rule", "M10")]
    public async Task Should_tell_every_member_once_including_those_without_marketing_consent()
    {
        var optedIn = NotificationsService.NewEmail("terms-in");
        var optedOut = NotificationsService.NewEmail("terms-out");
        var erased = NotificationsService.NewEmail("terms-erased");
        var inId = await service.MemberAsync(optedIn, marketingOptIn: true);
        var outId = await service.MemberAsync(optedOut, marketingOptIn: false);
        var erasedId = await service.MemberAsync(erased);
        await service.PublishAsync(new MemberErased { MemberId = erasedId, At = DateTimeOffset.UtcNow });
        Assert.True(await Eventually.TrueAsync(async () => !await service.DirectoryHasAsync(erasedId), NotificationsService.Wait));

        var version = $"2027-{Guid.NewGuid():N}"[..20];
        var announced = new TermsChangeAnnounced
        {
            Version = version, EffectiveFrom = new DateOnly(2027, 2, 1), Url = "https://shop.example/terms/2027-02",
            Summary = "Points expire after 48 months instead of 60.", Unfavourable = true, At = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero),
        };
        await service.PublishAsync(announced);
        await service.PublishAsync(announced);

        foreach (var (email, memberId) in new[] { (optedIn, inId), (optedOut, outId) })
        {
            IReadOnlyList<ReceivedMail> mails = [];
            Assert.True(await Eventually.TrueAsync(async () => (mails = await MailSink.ToAsync(email)).Any(m => m.Subject.Contains("terms", StringComparison.Ordinal)),
                NotificationsService.Wait), $"no terms notice for {email}");
            var notice = Assert.Single(mails, m => m.Subject == "Our terms change on 2027-02-01");
            Assert.Contains("Points expire after 48 months instead of 60.", notice.Text, StringComparison.Ordinal);
            Assert.Contains("https://shop.example/terms/2027-02", notice.Text, StringComparison.Ordinal);
            Assert.Contains("we tell you 60 days ahead", notice.Text, StringComparison.Ordinal);
            Assert.Contains("<a href=\"https://shop.example/terms/2027-02\">", notice.Html, StringComparison.Ordinal);
            Assert.Single(await service.LogAsync(memberId, TermsChangeNoticeMails.Type));
        }
        Assert.DoesNotContain(await MailSink.ToAsync(erased), m => m.Subject.Contains("terms", StringComparison.Ordinal));
    }
}
