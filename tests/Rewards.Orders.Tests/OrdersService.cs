using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>Orders on its own database and virtual host, with the calls a storefront and the payment provider make.</summary>
public class OrdersService : IAsyncLifetime
{
    public ServiceHost<ProgramPolicy> Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>No Ledger runs here, so a points hold is never answered; the wait for it is kept short.</summary>
    public async ValueTask InitializeAsync() =>
        Host = await ServiceHost<ProgramPolicy>.StartAsync("Orders", await TestServers.CreateVirtualHostAsync("orders"),
            new Dictionary<string, string?>(Settings) { ["Checkout:HoldTimeout"] = "00:00:01" });

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public async Task PublishAsync<T>(T message) where T : class =>
        await Host.Services.GetRequiredService<MassTransit.IBus>().Publish(message, TestContext.Current.CancellationToken);

    public static async Task<(Guid OrderId, Guid PaymentId)> PlaceAsync(HttpClient client, object order)
    {
        var response = await client.PostAsJsonAsync("/orders", order, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (body.GetProperty("orderId").GetGuid(), body.GetProperty("paymentId").GetGuid());
    }

    /// <summary>The provider's signed confirmation callback.</summary>
    public async Task<HttpResponseMessage> CallbackAsync(Guid paymentId, Guid orderId, decimal amount, string? secret = ServiceHost<ProgramPolicy>.PaymentSecret,
        string? idempotencyKey = null)
    {
        var body = JsonSerializer.Serialize(new { orderId, amount, status = "succeeded" });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        if (secret is not null)
            content.Headers.Add("X-Payment-Signature", Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        if (idempotencyKey is not null) content.Headers.Add("Idempotency-Key", idempotencyKey);
        using var client = Host.CreateClient();
        return await client.PostAsync($"/payments/{paymentId}/confirmation", content, TestContext.Current.CancellationToken);
    }
}
