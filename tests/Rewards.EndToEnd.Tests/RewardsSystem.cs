using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rewards.Ledger;
using Rewards.Membership;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Orders;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// All four services, each on its own database, sharing one RabbitMQ virtual host and the SMTP sink. The Ledger
/// listens on a real local port, because Membership calls it over HTTP (M7).
/// </summary>
public class RewardsSystem : IAsyncLifetime
{
    public ServiceHost<Rewards.Membership.ProgramPolicy> Membership { get; private set; } = null!;
    public ServiceHost<Rewards.Orders.ProgramPolicy> Orders { get; private set; } = null!;
    public ServiceHost<Rewards.Ledger.ProgramPolicy> Ledger { get; private set; } = null!;
    public ServiceHost<SmtpOptions> Notifications { get; private set; } = null!;
    public string VirtualHost { get; private set; } = "";

    /// <summary>Placing an order with points waits this long for the Ledger, so a test with the Ledger stopped stays quick.</summary>
    private static Dictionary<string, string?> OrdersSettings() => new() { ["Checkout:HoldTimeout"] = "00:00:03" };

    /// <summary>Membership settings on top of the defaults, for variants of the programme (e.g. SOOM's).</summary>
    protected virtual IDictionary<string, string?> MembershipSettings => new Dictionary<string, string?>();

    private string _ledgerUrl = "";

    public async ValueTask InitializeAsync()
    {
        VirtualHost = await TestServers.CreateVirtualHostAsync("e2e");
        var ledgerUrl = _ledgerUrl = ServiceHost<Rewards.Ledger.ProgramPolicy>.FreeLocalUrl();
        var membershipSettings = new Dictionary<string, string?>(MembershipSettings) { ["Ledger:BaseUrl"] = ledgerUrl };
        var hosts = await Task.WhenAll(
            Task.Run(async () => (object)await ServiceHost<Rewards.Membership.ProgramPolicy>.StartAsync("Membership", VirtualHost, membershipSettings)),
            Task.Run(async () => (object)await ServiceHost<Rewards.Orders.ProgramPolicy>.StartAsync("Orders", VirtualHost, OrdersSettings())),
            Task.Run(async () => (object)await ServiceHost<Rewards.Ledger.ProgramPolicy>.StartAsync("Ledger", VirtualHost, listenUrl: ledgerUrl)),
            Task.Run(async () => (object)await ServiceHost<SmtpOptions>.StartAsync("Notifications", VirtualHost)));
        Membership = (ServiceHost<Rewards.Membership.ProgramPolicy>)hosts[0];
        Orders = (ServiceHost<Rewards.Orders.ProgramPolicy>)hosts[1];
        Ledger = (ServiceHost<Rewards.Ledger.ProgramPolicy>)hosts[2];
        Notifications = (ServiceHost<SmtpOptions>)hosts[3];
    }

    public async ValueTask DisposeAsync()
    {
        await Membership.DisposeAsync();
        await Orders.DisposeAsync();
        await Ledger.DisposeAsync();
        await Notifications.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the Ledger as a crash or a deployment would; its database and queues stay.</summary>
    public async Task StopLedgerAsync() => await Ledger.DisposeAsync();

    /// <summary>Starts the Ledger again on the same database, queues and address, with its clock at <paramref name="now"/>.</summary>
    public async Task StartLedgerAsync(DateTimeOffset now)
    {
        Ledger = await ServiceHost<Rewards.Ledger.ProgramPolicy>.StartAsync("Ledger", VirtualHost,
            new Dictionary<string, string?> { ["ConnectionStrings:Ledger"] = Ledger.ConnectionString }, listenUrl: _ledgerUrl);
        await Ledger.SetClockAsync(now);
    }

    /// <summary>Stops Orders and starts it again on the same database and queues, with its clock at <paramref name="now"/>.</summary>
    public async Task RestartOrdersAsync(DateTimeOffset now)
    {
        var connectionString = Orders.ConnectionString;
        await Orders.DisposeAsync();
        var settings = OrdersSettings();
        settings["ConnectionStrings:Orders"] = connectionString;
        Orders = await ServiceHost<Rewards.Orders.ProgramPolicy>.StartAsync("Orders", VirtualHost, settings);
        await Orders.SetClockAsync(now);
    }

    /// <summary>Moves every service's clock, as a test of a whole system must.</summary>
    public async Task SetClockAsync(DateTimeOffset now)
    {
        await Membership.SetClockAsync(now);
        await Orders.SetClockAsync(now);
        await Ledger.SetClockAsync(now);
        await Notifications.SetClockAsync(now);
    }

    public async Task<Guid> RegisterAsync(string email, string password = "correct-horse-battery")
    {
        using var client = Membership.CreateClient();
        var response = await client.PostAsJsonAsync("/members", new
        {
            email, password, name = "Min-ji Kim", birthDate = "1995-04-12", country = "US",
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetGuid();
    }

    public async Task<string> LoginAsync(string email, string password = "correct-horse-battery")
    {
        using var client = Membership.CreateClient();
        var response = await client.PostAsJsonAsync("/auth/token", new { email, password });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    public Task<string> LoginOpsAsync() =>
        LoginAsync(ServiceHost<Rewards.Membership.ProgramPolicy>.OpsEmail, ServiceHost<Rewards.Membership.ProgramPolicy>.OpsPassword);

    /// <summary>Calls the payment confirmation endpoint as the provider does: raw JSON body, HMAC-SHA256 signature.</summary>
    public async Task<HttpResponseMessage> ConfirmPaymentAsync(Guid paymentId, Guid orderId, decimal amount)
    {
        var body = JsonSerializer.Serialize(new { orderId, amount, status = "succeeded" });
        var signature = Convert.ToHexString(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ServiceHost<Rewards.Orders.ProgramPolicy>.PaymentSecret), Encoding.UTF8.GetBytes(body)));
        using var client = Orders.CreateClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.Add("X-Payment-Signature", signature);
        return await client.PostAsync($"/payments/{paymentId}/confirmation", content);
    }
}
