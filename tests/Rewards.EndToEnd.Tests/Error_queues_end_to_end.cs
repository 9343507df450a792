using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

public sealed class NotificationsAlone : IAsyncLifetime
{
    public ServiceHost<SmtpOptions> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<SmtpOptions>.StartAsync("Notifications", await TestServers.CreateVirtualHostAsync("error-queues"));

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// A message that failed all its retries waits in its _error queue for a human: ops list it with its fault, replay it
/// once the cause is mended (its effect then happens once), or discard it with a reason; both are audited.
/// </summary>
public sealed class Error_queues_end_to_end(NotificationsAlone service) : IClassFixture<NotificationsAlone>
{
    private const string Queue = "notifications-points-expired-mail_error";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _ops = service.Host.ClientWithToken(TestTokens.Ops());

    private async Task<Guid> PublishExpiryForAsync(Guid memberId)
    {
        var messageId = NewId.NextGuid();
        await service.Host.Services.GetRequiredService<IBus>().Publish(new PointsExpired
        {
            MemberId = memberId, Channel = "online", Points = 700, LotIds = [Guid.NewGuid()], At = DateTimeOffset.UtcNow,
        }, c => c.MessageId = messageId, Ct);
        return messageId;
    }

    private async Task<JsonElement[]> ParkedAsync() =>
        (await _ops.GetFromJsonAsync<JsonElement[]>($"/ops/error-queues/{Queue}/messages", Ct))!;

    [Fact]
    [Trait("Rule", "N1")]
    public async Task Should_list_a_parked_message_with_its_fault_replay_it_once_and_discard_another_with_a_reason()
    {
        // PointsExpired for a member whose MemberRegistered Notifications never got: retried, then parked.
        var memberId = Guid.NewGuid();
        var email = $"parked-{Guid.NewGuid():N}@example.com";
        var parked = await PublishExpiryForAsync(memberId);
        var other = await PublishExpiryForAsync(Guid.NewGuid());
        Assert.True(await Eventually.TrueAsync(async () => (await ParkedAsync()).Length == 2, TimeSpan.FromSeconds(60)), "both messages were parked");

        var listed = (await ParkedAsync()).Single(m => m.GetProperty("messageId").GetString() == parked.ToString());
        Assert.Equal("PointsExpired", listed.GetProperty("messageType").GetString());
        Assert.Contains("is not in the directory yet", listed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(memberId, listed.GetProperty("memberId").GetGuid());
        Assert.True(await Eventually.TrueAsync(async () =>
            (await _ops.GetFromJsonAsync<JsonElement[]>("/ops/error-queues", Ct))!.Any(q => q.GetProperty("name").GetString() == Queue
                && q.GetProperty("messages").GetInt64() == 2), TimeSpan.FromSeconds(20)), "the queue list counts them (the management API lags a few seconds)");

        // The cause is mended: the member's registration arrives. Then the replay mails once.
        await service.Host.Services.GetRequiredService<IBus>().Publish(new MemberRegistered
        {
            MemberId = memberId, Email = email, Name = "Parked Member", Country = "KR", MarketingOptIn = false, NewMemberBenefits = false,
            RegisteredAt = DateTimeOffset.UtcNow,
        }, Ct);
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Welcome to Rewards"), TimeSpan.FromSeconds(30)));
        var replay = await _ops.PostAsync($"/ops/error-queues/{Queue}/messages/{parked}/replay", null, Ct);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () =>
            (await MailSink.ToAsync(email)).Count(m => m.Subject == "Some of your points have expired") == 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(HttpStatusCode.NotFound, (await _ops.PostAsync($"/ops/error-queues/{Queue}/messages/{parked}/replay", null, Ct)).StatusCode);

        var noReason = await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/messages/{other}/discard", new { reason = " " }, Ct);
        var discard = await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/messages/{other}/discard", new { reason = "test member, never registered" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, discard.StatusCode);
        Assert.Empty(await ParkedAsync());
        var actions = (await _ops.GetFromJsonAsync<JsonElement[]>("/ops/error-queues/actions", Ct))!;
        Assert.Contains(actions, a => a.GetProperty("messageId").GetString() == parked.ToString() && a.GetProperty("action").GetString() == "replayed");
        Assert.Contains(actions, a => a.GetProperty("messageId").GetString() == other.ToString() && a.GetProperty("action").GetString() == "discarded"
            && a.GetProperty("reason").GetString() == "test member, never registered");
        Assert.Equal(HttpStatusCode.NotFound, (await _ops.GetAsync("/ops/error-queues/orders-anything_error/messages", Ct)).StatusCode);
        await Task.Delay(1000, Ct);
        Assert.Equal(1, (await MailSink.ToAsync(email)).Count(m => m.Subject == "Some of your points have expired"));
    }

    [Fact]
    [Trait("Rule", "N1")]
    public async Task Should_replay_the_chosen_messages_of_a_queue_and_discard_all_of_a_type_with_a_reason()
    {
        var memberId = Guid.NewGuid();
        var email = $"bulk-{Guid.NewGuid():N}@example.com";
        var mended = await PublishExpiryForAsync(memberId);
        var others = new[] { await PublishExpiryForAsync(Guid.NewGuid()), await PublishExpiryForAsync(Guid.NewGuid()) };
        Assert.True(await Eventually.TrueAsync(async () => (await ParkedAsync()).Length == 3, TimeSpan.FromSeconds(60)), "all three were parked");

        await service.Host.Services.GetRequiredService<IBus>().Publish(new MemberRegistered
        {
            MemberId = memberId, Email = email, Name = "Bulk Member", Country = "KR", MarketingOptIn = false, NewMemberBenefits = false,
            RegisteredAt = DateTimeOffset.UtcNow,
        }, Ct);
        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Welcome to Rewards"), TimeSpan.FromSeconds(30)));
        var replay = await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/replay", new { messageIds = new[] { mended.ToString() } }, Ct);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, replayed.GetProperty("count").GetInt32());
        Assert.True(await Eventually.TrueAsync(async () =>
            (await MailSink.ToAsync(email)).Count(m => m.Subject == "Some of your points have expired") == 1, TimeSpan.FromSeconds(30)));

        Assert.Equal(HttpStatusCode.BadRequest,
            (await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/discard", new { reason = "", messageType = "PointsExpired" }, Ct)).StatusCode);
        var wrongType = await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/discard", new { reason = "cleanup", messageType = "OrderPaid" }, Ct);
        Assert.Equal(0, (await wrongType.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("count").GetInt32());
        Assert.Equal(2, (await ParkedAsync()).Length);

        var discard = await _ops.PostAsJsonAsync($"/ops/error-queues/{Queue}/discard",
            new { reason = "test members, never registered", messageType = "PointsExpired" }, Ct);
        Assert.Equal(HttpStatusCode.OK, discard.StatusCode);
        var discarded = await discard.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(others.Select(o => o.ToString()).Order(),
            discarded.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("messageId").GetString()!).Order());
        Assert.Empty(await ParkedAsync());
        var actions = (await _ops.GetFromJsonAsync<JsonElement[]>("/ops/error-queues/actions", Ct))!;
        Assert.All(others, id => Assert.Contains(actions, a => a.GetProperty("messageId").GetString() == id.ToString()
            && a.GetProperty("action").GetString() == "discarded" && a.GetProperty("reason").GetString() == "test members, never registered"));
        Assert.Equal(HttpStatusCode.NotFound, (await _ops.PostAsync("/ops/error-queues/orders-anything_error/replay", null, Ct)).StatusCode);
    }
}
