using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Testing;

namespace Rewards.Notifications.Tests;

/// <summary>Notifications on its own database and virtual host; the test plays the other services by publishing their events.</summary>
public class NotificationsService : IAsyncLifetime
{
    public ServiceHost<SmtpOptions> Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<SmtpOptions>.StartAsync("Notifications", await TestServers.CreateVirtualHostAsync("notifications"), Settings);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task PublishAsync<T>(T message) where T : class =>
        await Host.Services.GetRequiredService<IBus>().Publish(message, Ct);

    public HttpClient OpsClient() => Host.ClientWithToken(TestTokens.Ops());

    /// <summary>Announces a member as Membership would and waits until Notifications knows them.</summary>
    public async Task<Guid> MemberAsync(string email, bool marketingOptIn = true, string country = "KR", string name = "Seo-yeon Park")
    {
        var memberId = Guid.CreateVersion7();
        await PublishAsync(new MemberRegistered
        {
            MemberId = memberId, Email = email, Name = name, Country = country, MarketingOptIn = marketingOptIn, NewMemberBenefits = true,
            RegisteredAt = DateTimeOffset.UtcNow,
        });
        Assert.True(await Eventually.TrueAsync(async () => await DirectoryHasAsync(memberId), Wait), $"member {memberId} never reached the directory");
        return memberId;
    }

    public async Task<bool> DirectoryHasAsync(Guid memberId)
    {
        await using var conn = new NpgsqlConnection(Host.ConnectionString);
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from member_directory where member_id = @memberId)", new { memberId });
    }

    /// <summary>The member's mails as the ops log shows them (GET /ops/notifications).</summary>
    public async Task<List<JsonElement>> LogAsync(Guid memberId, string? type = null)
    {
        using var ops = OpsClient();
        var url = $"/ops/notifications?memberId={memberId}" + (type is null ? "" : $"&type={type}");
        return (await ops.GetFromJsonAsync<List<JsonElement>>(url, Ct))!;
    }

    public static string NewEmail(string prefix) => $"{prefix}-{Guid.NewGuid():N}@example.com";
}
