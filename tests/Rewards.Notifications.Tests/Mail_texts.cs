using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>Notifications with another programme's figures, as a shop would configure them for the Ledger too.</summary>
public sealed class NotificationsWithOtherFigures : IAsyncLifetime
{
    public ServiceHost<SmtpOptions> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<SmtpOptions>.StartAsync("Notifications", await TestServers.CreateVirtualHostAsync("figures"),
            new Dictionary<string, string?> { ["Policy:EarnRate"] = "0.015", ["Policy:PendingHours"] = "72", ["Policy:ExpiryMonths"] = "36" });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>N1: the mails quote the programme's configured figures (L3, L4), not fixed ones.</summary>
public sealed class Mail_texts(NotificationsWithOtherFigures service) : IClassFixture<NotificationsWithOtherFigures>
{
    [Fact]
    [Trait("Rule", "N1")]
    [Trait("Rule", "L3")]
    public async Task Should_quote_the_configured_earn_rate_and_pending_time_in_the_welcome_mail()
    {
        var email = $"figures-{Guid.NewGuid():N}@example.com";
        await service.Host.Services.GetRequiredService<IBus>().Publish(new MemberRegistered
        {
            MemberId = Guid.NewGuid(), Email = email, Name = "Ji-woo Lee", Country = "KR", MarketingOptIn = false, NewMemberBenefits = true,
            RegisteredAt = DateTimeOffset.UtcNow,
        }, TestContext.Current.CancellationToken);

        IReadOnlyList<ReceivedMail> mails = [];
        Assert.True(await Eventually.TrueAsync(async () => (mails = await MailSink.ToAsync(email)).Count == 1, TimeSpan.FromSeconds(30)));
        Assert.Contains("1.5% of what you pay", mails[0].Text, StringComparison.Ordinal);
        Assert.Contains("72 hours after delivery", mails[0].Text, StringComparison.Ordinal);
    }
}
