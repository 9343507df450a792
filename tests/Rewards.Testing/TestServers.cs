using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Rewards.Testing;

public sealed record RabbitMqServer(string Host, int Port, string Username, string Password, Uri Management);

public sealed record MailServer(string Host, int SmtpPort, Uri Api);

/// <summary>
/// The real PostgreSQL, RabbitMQ and SMTP sink the tests run against. Taken from REWARDS_TEST_POSTGRES (a connection
/// string), REWARDS_TEST_RABBITMQ (amqp://user:pass@host:port), REWARDS_TEST_RABBITMQ_MANAGEMENT (http://host:15672) and
/// REWARDS_TEST_SMTP (smtp://host:port, sink API on REWARDS_TEST_MAIL_API) when set, as .ci/run sets them; otherwise
/// started once per test run with Testcontainers (needs Docker).
/// </summary>
public static class TestServers
{
    private static readonly Lazy<Task<Servers>> Started = new(StartAsync);

    private sealed record Servers(string Postgres, RabbitMqServer Rabbit, MailServer Mail);

    public static async Task<string> PostgresAsync() => (await Started.Value).Postgres;
    public static async Task<RabbitMqServer> RabbitMqAsync() => (await Started.Value).Rabbit;
    public static async Task<MailServer> MailAsync() => (await Started.Value).Mail;

    /// <summary>A fresh, empty database; the service's migrations create its tables.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = await PostgresAsync();
        var name = $"t_{prefix}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using var conn = new NpgsqlConnection(server);
        await conn.OpenAsync();
        await using (var cmd = new NpgsqlCommand($"create database \"{name}\"", conn)) await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>A fresh RabbitMQ virtual host, so a test class sees only its own queues and messages.</summary>
    public static async Task<string> CreateVirtualHostAsync(string prefix)
    {
        var rabbit = await RabbitMqAsync();
        var vhost = $"t-{prefix}-{Guid.NewGuid():N}";
        using var http = ManagementClient(rabbit);
        (await http.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"api/permissions/{vhost}/{rabbit.Username}", new { configure = ".*", write = ".*", read = ".*" }))
            .EnsureSuccessStatusCode();
        return vhost;
    }

    public static HttpClient ManagementClient(RabbitMqServer rabbit)
    {
        var http = new HttpClient { BaseAddress = rabbit.Management };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{rabbit.Username}:{rabbit.Password}")));
        return http;
    }

    private static async Task<Servers> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("REWARDS_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("REWARDS_TEST_RABBITMQ");
        var smtp = Environment.GetEnvironmentVariable("REWARDS_TEST_SMTP");

        if (postgres is null)
        {
            var container = new PostgreSqlBuilder("postgres:15").Build();
            await container.StartAsync();
            postgres = container.GetConnectionString();
        }

        RabbitMqServer rabbitServer;
        if (rabbit is null)
        {
            var container = new RabbitMqBuilder("rabbitmq:3.13-management")
                .WithUsername("guest").WithPassword("guest").WithPortBinding(15672, true).Build();
            await container.StartAsync();
            rabbitServer = new RabbitMqServer(container.Hostname, container.GetMappedPublicPort(5672), "guest", "guest",
                new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(15672)}/"));
        }
        else
        {
            var uri = new Uri(rabbit);
            var credentials = uri.UserInfo.Split(':');
            var management = Environment.GetEnvironmentVariable("REWARDS_TEST_RABBITMQ_MANAGEMENT") ?? $"http://{uri.Host}:15672/";
            rabbitServer = new RabbitMqServer(uri.Host, uri.Port, Uri.UnescapeDataString(credentials[0]),
                Uri.UnescapeDataString(credentials[1]), new Uri(management.TrimEnd('/') + "/"));
        }

        MailServer mail;
        if (smtp is null)
        {
            IContainer container = new ContainerBuilder("maildev/maildev:2.2.1")
                .WithPortBinding(1025, true).WithPortBinding(1080, true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilInternalTcpPortIsAvailable(1080)).Build();
            await container.StartAsync();
            mail = new MailServer(container.Hostname, container.GetMappedPublicPort(1025),
                new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(1080)}/"));
        }
        else
        {
            var uri = new Uri(smtp);
            var api = Environment.GetEnvironmentVariable("REWARDS_TEST_MAIL_API") ?? $"http://{uri.Host}:1080/";
            mail = new MailServer(uri.Host, uri.Port, new Uri(api.TrimEnd('/') + "/"));
        }
        return new Servers(postgres, rabbitServer, mail);
    }
}
