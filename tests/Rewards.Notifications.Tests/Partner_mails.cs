using Rewards.Contracts.Partners;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>N1/L16: members get mail for what they do at partner stores, as for shop orders.</summary>
public sealed class Partner_mails(NotificationsService service) : IClassFixture<NotificationsService>
{
    [Fact]
    [Trait("Rule", "N1")]
    [Trait("Rule", "L16")]
    public async Task Should_mail_the_points_of_a_partner_purchase_once_and_nothing_for_a_purchase_without_points()
    {
        var email = NotificationsService.NewEmail("partner");
        var memberId = await service.MemberAsync(email);
        var at = DateTimeOffset.UtcNow;
        PartnerPurchaseRecorded Purchase(long points) => new()
        {
            RecordId = Guid.CreateVersion7(), PartnerId = Guid.NewGuid(), PartnerName = "Myeongdong Store", TransactionId = $"T-{points}",
            MemberId = memberId, Channel = "offline", Amount = 120m, Currency = "USD", AmountUsd = 120m, Points = points,
            EarnsAt = points > 0 ? at.AddHours(48) : null, PurchasedAt = at,
        };
        var earning = Purchase(2400);

        await service.PublishAsync(earning);
        await service.PublishAsync(earning); // the same event again
        await service.PublishAsync(Purchase(0));
        await service.PublishAsync(new PartnerRedemptionMade
        {
            RecordId = Guid.CreateVersion7(), PartnerId = Guid.NewGuid(), PartnerName = "Myeongdong Store", TransactionId = "T-R",
            MemberId = memberId, Channel = "offline", Points = 5000, ValueUsd = 5m, At = at,
        });

        IReadOnlyList<ReceivedMail> mails = [];
        Assert.True(await Eventually.TrueAsync(async () => (mails = await MailSink.ToAsync(email)).Count >= 3, NotificationsService.Wait));
        await Task.Delay(500, TestContext.Current.CancellationToken); // a mail that should not come would have come by now
        mails = await MailSink.ToAsync(email);
        Assert.Equal(["2,400 points for your purchase at Myeongdong Store", "You paid with 5,000 points at Myeongdong Store"],
            mails.Select(m => m.Subject).Where(s => s.Contains("Myeongdong", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains($"pending until {at.AddHours(48):yyyy-MM-dd}", mails.Single(m => m.Subject.StartsWith("2,400", StringComparison.Ordinal)).Text,
            StringComparison.Ordinal);
    }
}
