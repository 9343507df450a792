using Microsoft.Extensions.Options;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Notifications.Features.Triggers;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>N1: every mail has a plain-text and an HTML body from the templates kept in the Notifications project.</summary>
public sealed class Mail_templates(NotificationsService service) : IClassFixture<NotificationsService>
{
    private static readonly MailTemplates Templates = new(Options.Create(new ProgrammeFigures()));

    public static TheoryData<string> Types => [.. Templates.Types.Order()];

    [Theory]
    [MemberData(nameof(Types))]
    [Trait("Rule", "N1")]
    public void Every_mail_type_renders_a_subject_a_text_and_an_html_body(string type)
    {
        var mail = Templates.Render(type, new { Name = "Min-jun Kim", OrderNumber = "R-1", Subject = "Spring sale", Text = "Ten percent off." });

        Assert.False(string.IsNullOrWhiteSpace(mail.Subject));
        Assert.StartsWith("Dear Min-jun Kim,", mail.Text, StringComparison.Ordinal);
        Assert.StartsWith("<!doctype html>", mail.Html, StringComparison.Ordinal);
        Assert.Contains($"<title>{mail.Subject}</title>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<p>Dear Min-jun Kim,</p>", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Rule", "N1")]
    public void Should_escape_what_members_typed_in_the_html_body_and_keep_it_in_the_text()
    {
        var mail = Templates.Render(WelcomeMail.Type, new { Name = "<b>Eve</b> & co", MemberId = Guid.Empty });

        Assert.Contains("Dear <b>Eve</b> & co,", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Dear &lt;b&gt;Eve&lt;/b&gt; &amp; co,", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Eve</b>", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Rule", "N1")]
    public async Task Should_send_one_welcome_mail_with_both_bodies_however_often_the_event_comes()
    {
        var email = NotificationsService.NewEmail("welcome");
        var memberId = Guid.CreateVersion7();
        var registered = new MemberRegistered
        {
            MemberId = memberId, Email = email, Name = "Ji-ho Choi", Country = "KR", MarketingOptIn = false, NewMemberBenefits = true,
            RegisteredAt = DateTimeOffset.UtcNow,
        };
        await service.PublishAsync(registered);
        await service.PublishAsync(registered); // another message id: the inbox cannot tell, the mail's (event, type) key does

        IReadOnlyList<ReceivedMail> mails = [];
        Assert.True(await Eventually.TrueAsync(async () => (mails = await MailSink.ToAsync(email)).Count >= 1, NotificationsService.Wait));
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        mails = await MailSink.ToAsync(email);
        var mail = Assert.Single(mails);
        Assert.Equal("Welcome to Rewards", mail.Subject);
        Assert.Contains($"Your membership number is {memberId}.", mail.Text, StringComparison.Ordinal);
        Assert.Contains($"<code>{memberId}</code>", mail.Html, StringComparison.Ordinal);
        Assert.Single(await service.LogAsync(memberId, WelcomeMail.Type));
    }
}
