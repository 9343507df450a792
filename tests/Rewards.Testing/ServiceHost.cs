using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Rewards.Testing;

/// <summary>
/// One service in-process on its own database and the test's virtual host, configured explicitly (environment
/// "Testing", test clock on). Its HTTP client goes through the real pipeline; messages go through real RabbitMQ.
/// </summary>
public sealed class ServiceHost<TEntryPoint>(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public const string SigningKey = "test-signing-key-0123456789-0123456789";
    public const string OpsEmail = "ops@test.local";
    public const string OpsPassword = "ops-test-password";
    public const string UnsubscribeKey = "test-unsubscribe-key-0123456789";
    public const string PartnerSecretKey = "test-partner-secret-key-0123456789abcdef";
    public const string PaymentSecret = "test-payment-callback-secret";

    public string ConnectionString => settings.First(s => s.Key.StartsWith("ConnectionStrings:", StringComparison.Ordinal)).Value!;

    /// <summary>What the service logged (at the configured level; Warning unless a test's settings say otherwise).</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>A free local address for a service other services call over real HTTP (see <see cref="StartAsync"/>).</summary>
    public static string FreeLocalUrl()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
    }

    /// <summary>
    /// Settings every service needs, plus its own database (unless <paramref name="withDatabase"/> is false). With <paramref name="listenUrl"/> the service runs on Kestrel
    /// at that address, so other services can call it over real HTTP; otherwise on the in-memory test server.
    /// </summary>
    public static async Task<ServiceHost<TEntryPoint>> StartAsync(string service, string vhost, IDictionary<string, string?>? extra = null,
        string? listenUrl = null, bool withDatabase = true)
    {
        var rabbit = await TestServers.RabbitMqAsync();
        var mail = await TestServers.MailAsync();
        var settings = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = rabbit.Host,
            ["RabbitMq:Port"] = rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = vhost,
            ["RabbitMq:Username"] = rabbit.Username,
            ["RabbitMq:Password"] = rabbit.Password,
            ["RabbitMq:ManagementPort"] = rabbit.Management.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jwt:SigningKey"] = SigningKey,
            ["Marketing:UnsubscribeKey"] = UnsubscribeKey,
            ["Partners:SecretKey"] = PartnerSecretKey,
            ["Testing:ClockControl"] = "true",
            ["Outbox:PollInterval"] = "00:00:00.100",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Policy:IdentityHashKey"] = "test-identity-hash-key",
            ["PasswordHashing:IterationCount"] = "1000",
            ["Ops:Accounts:0:Id"] = "00000000-0000-7000-8000-0000000000aa",
            ["Ops:Accounts:0:Email"] = OpsEmail,
            ["Ops:Accounts:0:Password"] = OpsPassword,
            ["PaymentProvider:CallbackSecret"] = PaymentSecret,
            ["Smtp:Host"] = mail.Host,
            ["Smtp:Port"] = mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:PollInterval"] = "00:00:00.100",
        };
        // A restart passes the database it had; otherwise each host (but the ops console, which has none) gets a fresh one.
        if (withDatabase && extra?.ContainsKey($"ConnectionStrings:{service}") != true)
            settings[$"ConnectionStrings:{service}"] = await TestServers.CreateDatabaseAsync(service.ToLowerInvariant());
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        if (listenUrl is not null) settings["Urls"] = listenUrl;
        var host = new ServiceHost<TEntryPoint>(settings);
        if (listenUrl is not null) host.UseKestrel();
        host.StartServer(); // now, so migrations and the bus are up before the test acts
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs)); // Serilog reads sinks from the container
    }

    public HttpClient ClientWithToken(string? token)
    {
        var client = CreateClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task SetClockAsync(DateTimeOffset now)
    {
        using var client = CreateClient();
        (await client.PutAsJsonAsync("/_test/clock", new { now })).EnsureSuccessStatusCode();
    }
}

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; returns its last value.</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await condition()) return true;
            if (DateTime.UtcNow > until) return false;
            await Task.Delay(100);
        }
    }
}
