using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>
/// Membership on its own database and virtual host. No Ledger runs here: its address is a closed local port, so a
/// withdrawal that gets as far as asking the Ledger meets "Ledger unavailable" (the end-to-end tests have a real one).
/// </summary>
public class MembershipService : IAsyncLifetime
{
    public ServiceHost<ProgramPolicy> Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:BaseUrl"] = ServiceHost<ProgramPolicy>.FreeLocalUrl(),
            ["Ledger:AttemptTimeout"] = "00:00:00.500",
        };
        foreach (var (key, value) in Settings) settings[key] = value;
        Host = await ServiceHost<ProgramPolicy>.StartAsync("Membership", await TestServers.CreateVirtualHostAsync("membership"), settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Registers a member through POST /members; returns the member id.</summary>
    public async Task<Guid> RegisterAsync(string email, string? phone = null, string? passportNumber = null,
        string password = "correct-horse-battery", string name = "Ha-eun Jung")
    {
        using var client = Host.CreateClient();
        var response = await client.PostAsJsonAsync("/members", new
        {
            email, password, name, birthDate = "1992-11-03", country = "KR", phone, passportNumber,
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = true,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("memberId").GetGuid();
    }

    public async Task<HttpResponseMessage> LoginAsync(string email, string password = "correct-horse-battery")
    {
        using var client = Host.CreateClient();
        return await client.PostAsJsonAsync("/auth/token", new { email, password }, Ct);
    }

    /// <summary>A client carrying the member's (or, for the ops account, the ops) access token.</summary>
    public async Task<HttpClient> ClientAsync(string email, string password = "correct-horse-battery")
    {
        var login = await LoginAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return Host.ClientWithToken((await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString());
    }

    public Task<HttpClient> OpsClientAsync() => ClientAsync(ServiceHost<ProgramPolicy>.OpsEmail, ServiceHost<ProgramPolicy>.OpsPassword);

    /// <summary>The types of the events Membership wrote to its outbox about the member, oldest first.</summary>
    public async Task<List<string>> EventsAsync(Guid memberId)
    {
        await using var conn = new NpgsqlConnection(Host.ConnectionString);
        return [.. (await conn.QueryAsync<string>(
            "select message_type from outbox_messages where body->>'memberId' = @m order by seq", new { m = memberId.ToString() }))
            .Select(t => t[(t.LastIndexOf('.') + 1)..])];
    }

    public async Task<JsonElement> LastEventAsync(Guid memberId, string type)
    {
        await using var conn = new NpgsqlConnection(Host.ConnectionString);
        var body = await conn.QueryFirstAsync<string>(
            "select body::text from outbox_messages where body->>'memberId' = @m and message_type like '%.' || @type order by seq desc",
            new { m = memberId.ToString(), type });
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>How many events of <paramref name="type"/> whose body mentions <paramref name="text"/> Membership wrote to its outbox.</summary>
    public async Task<int> CountOutboxAsync(string type, string text)
    {
        await using var conn = new NpgsqlConnection(Host.ConnectionString);
        return await conn.ExecuteScalarAsync<int>(
            "select count(*) from outbox_messages where message_type like '%.' || @type and position(@text in body::text) > 0", new { type, text });
    }

    public async Task<string> RunJobAsync(string name)
    {
        using var ops = await OpsClientAsync();
        var run = await (await ops.PostAsync($"/ops/jobs/{name}/run", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(run.GetProperty("succeeded").GetBoolean(), run.ToString());
        return run.GetProperty("result").GetString()!;
    }

    public async Task PublishAsync<T>(T message) where T : class =>
        await Host.Services.GetRequiredService<IBus>().Publish(message, Ct);

    public static async Task<string> ProblemTypeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString()!;

    public static string NewEmail(string prefix = "m") => $"{prefix}-{Guid.NewGuid():N}@example.com";
}
