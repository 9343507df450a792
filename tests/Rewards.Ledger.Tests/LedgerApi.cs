using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Orders;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

public sealed record Balance(long Total, long Available, long Pending, long Held);

public sealed record LotInfo(Guid LotId, string Channel, string Source, DateTimeOffset? EarnedAt, DateTimeOffset? ExpiresAt, long Amount, long Remaining, string Status, bool Transferable);

/// <summary>The Ledger as its clients use it: members and ops over HTTP, Orders and Membership over RabbitMQ.</summary>
public sealed class LedgerApi(ServiceHost<ProgramPolicy> host)
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public DateTimeOffset Now { get; private set; }

    public async Task SetClockAsync(DateTimeOffset now)
    {
        Now = now;
        await host.SetClockAsync(now);
    }

    public HttpClient Ops() => host.ClientWithToken(TestTokens.Ops());
    public HttpClient Member(Guid memberId) => host.ClientWithToken(TestTokens.Member(memberId, $"{memberId:N}@example.com"));

    /// <summary>A giftable purchase lot, as a missed earning (L12) dated <paramref name="purchasedAt"/> (default: now).</summary>
    public async Task<Guid> PurchasePointsAsync(Guid memberId, long points, string channel = "online", DateTimeOffset? purchasedAt = null)
    {
        using var ops = Ops();
        var response = await ops.PostAsJsonAsync($"/ops/members/{memberId}/credits", new
        {
            channel, points, kind = "missed-earning", reason = "test purchase", receiptReference = $"R-{Guid.NewGuid():N}", purchasedAt = purchasedAt ?? Now,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("lotId").GetGuid();
    }

    public async Task<HttpResponseMessage> CreditAsync(Guid memberId, object body)
    {
        using var ops = Ops();
        return await ops.PostAsJsonAsync($"/ops/members/{memberId}/credits", body, Ct);
    }

    public async Task<Guid> PromotionPointsAsync(Guid memberId, long points, DateTimeOffset expiresAt, string channel = "online")
    {
        var response = await CreditAsync(memberId, new { channel, points, kind = "promotion", reason = "test campaign", expiresAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("lotId").GetGuid();
    }

    public async Task<Balance> BalanceAsync(Guid memberId, string channel = "online")
    {
        using var member = Member(memberId);
        var account = (await member.GetFromJsonAsync<JsonElement>("/accounts/me", Ct))
            .GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("channel").GetString() == channel);
        return new Balance(account.GetProperty("balance").GetInt64(), account.GetProperty("available").GetInt64(),
            account.GetProperty("pending").GetInt64(), account.GetProperty("held").GetInt64());
    }

    public async Task<List<LotInfo>> LotsAsync(Guid memberId, string? channel = null)
    {
        using var member = Member(memberId);
        return (await member.GetFromJsonAsync<List<LotInfo>>($"/accounts/me/lots{(channel is null ? "" : $"?channel={channel}")}", Ct))!;
    }

    public async Task<HttpResponseMessage> GiftAsync(Guid from, Guid to, long points, string channel = "online")
    {
        using var member = Member(from);
        return await member.PostAsJsonAsync("/accounts/me/gifts", new { toMemberId = to, channel, points }, Ct);
    }

    public async Task<HttpResponseMessage> TransferAsync(Guid memberId, string from, string to, long points)
    {
        using var member = Member(memberId);
        return await member.PostAsJsonAsync("/accounts/me/transfers", new { from, to, points }, Ct);
    }

    public async Task<string> RunJobAsync(string name)
    {
        using var ops = Ops();
        var response = await ops.PostAsync($"/ops/jobs/{name}/run", null, Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>Publishes as Orders or Membership would; a broker that does not confirm within 30 s fails the test instead of hanging it.</summary>
    public async Task PublishAsync<T>(T message) where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IBus>().Publish(message, timeout.Token);
    }

    /// <summary>
    /// Asks for a hold over the broker, as Orders does at checkout; with <paramref name="messageId"/>, the same request
    /// again, as the broker redelivers it.
    /// </summary>
    public async Task<object> HoldAsync(Guid holdId, Guid memberId, long points, Guid? orderId = null, string channel = "online", Guid? messageId = null)
    {
        var client = host.Services.GetRequiredService<IBus>().CreateRequestClient<HoldPoints>(RequestTimeout.After(s: 20));
        var response = await client.GetResponse<PointsHeld, PointsHoldRefused>(
            new HoldPoints { HoldId = holdId, MemberId = memberId, Channel = channel, Points = points, OrderId = orderId },
            request => request.UseExecute(context => context.MessageId = messageId ?? context.MessageId), Ct);
        return response.Message;
    }

    public static OrderPaid Paid(Guid orderId, Guid? memberId, decimal amount, DateTimeOffset at) => new()
    {
        OrderId = orderId, OrderNumber = "RW1", MemberId = memberId, CustomerEmail = "m@example.com", CustomerName = "M",
        GoodsUsd = amount, AmountPaidUsd = amount, Lines = [], PaidAt = at,
    };

    /// <summary>L18 over the whole database: asserts there is no violation.</summary>
    public async Task AssertVerifiedAsync()
    {
        using var ops = Ops();
        var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.GetProperty("violations").ToString());
    }

    /// <summary>What /ops/verify reports, as (rule, detail).</summary>
    public async Task<List<(string Rule, string Detail)>> ViolationsAsync()
    {
        using var ops = Ops();
        var report = await ops.GetFromJsonAsync<JsonElement>("/ops/verify", Ct);
        return [.. report.GetProperty("violations").EnumerateArray().Select(v => (v.GetProperty("rule").GetString()!, v.GetProperty("detail").GetString()!))];
    }

    public static async Task<string> ProblemTypeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString()!;
}
