using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// An event about a member erased meanwhile (points expiring the night the member is erased, say) can never become an
/// e-mail: Notifications suppresses and records it instead of retrying it into an _error queue.
/// </summary>
public sealed class Events_about_erased_members_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string?> InboxOutcomeAsync(Guid messageId, string consumer)
    {
        await using var conn = new NpgsqlConnection(system.Notifications.ConnectionString);
        var row = await conn.QuerySingleOrDefaultAsync<(Guid Id, string? Reason)?>(
            "select message_id, suppressed_reason from inbox_messages where message_id = @messageId and consumer = @consumer",
            new { messageId, consumer });
        return row is null ? null : row.Value.Reason ?? "handled";
    }

    [Fact]
    [Trait("Rule", "M5")]
    [Trait("Rule", "N1")]
    public async Task Should_suppress_a_points_mail_for_an_erased_member_without_an_error_and_without_a_mail()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"erased-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Welcome to Rewards"), Wait));
        var bus = system.Notifications.Services.GetRequiredService<IBus>();

        var erased = NewId.NextGuid();
        await bus.Publish(new MemberErased { MemberId = memberId, At = DateTimeOffset.UtcNow }, c => c.MessageId = erased, Ct);
        Assert.True(await Eventually.TrueAsync(async () => await InboxOutcomeAsync(erased, "MemberErasedDirectory") == "handled", Wait));
        var expired = NewId.NextGuid();
        await bus.Publish(new PointsExpired { MemberId = memberId, Channel = "online", Points = 500, LotIds = [Guid.NewGuid()], At = DateTimeOffset.UtcNow },
            c => c.MessageId = expired, Ct);
        // A member Notifications never knew, erased: the same.
        var stranger = Guid.NewGuid();
        await bus.Publish(new MemberErased { MemberId = stranger, At = DateTimeOffset.UtcNow }, Ct);
        var strangerExpired = NewId.NextGuid();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await using var conn = new NpgsqlConnection(system.Notifications.ConnectionString);
            return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from erased_members where member_id = @stranger)", new { stranger });
        }, Wait));
        await bus.Publish(new PointsExpired { MemberId = stranger, Channel = "online", Points = 100, LotIds = [Guid.NewGuid()], At = DateTimeOffset.UtcNow },
            c => c.MessageId = strangerExpired, Ct);

        Assert.True(await Eventually.TrueAsync(async () => await InboxOutcomeAsync(expired, "PointsExpiredMail") is not null, Wait),
            "the message was handled, not left failing");
        Assert.Equal("the member was erased", await InboxOutcomeAsync(expired, "PointsExpiredMail"));
        Assert.True(await Eventually.TrueAsync(async () => await InboxOutcomeAsync(strangerExpired, "PointsExpiredMail") == "the member was erased", Wait));
        await using (var conn = new NpgsqlConnection(system.Notifications.ConnectionString))
        {
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
                "select count(*) from notifications where member_id = any(@ids) and type = 'points-expired'", new { ids = new[] { memberId, stranger } }));
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from member_directory where member_id = @memberId", new { memberId }));
        }
        await Task.Delay(1000, Ct);
        Assert.DoesNotContain(await MailSink.ToAsync(email), m => m.Subject == "Some of your points have expired");
    }
}
