using System.Diagnostics;
using System.Net.Http.Headers;

namespace Rewards.Faults;

/// <summary>
/// The PostgreSQL cluster and RabbitMQ node of deploy/local/fault-servers.sh: the suite's own, so that killing them
/// leaves every other server on the machine alone.
/// </summary>
internal static class FaultServers
{
    /// <summary>The server the services are given (each with its own database).</summary>
    public const string Postgres = "Host=127.0.0.1;Port=5434;Username=postgres;Database=postgres";

    /// <summary>
    /// The suite's own connections: unpooled, so none outlives a PostgreSQL restart, and quick to give up while it is away.
    /// </summary>
    public static string Inspect(string database) =>
        new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Database = database, Pooling = false, Timeout = 5, CommandTimeout = 30 }.ConnectionString;
    public const int RabbitPort = 5673;
    public const int RabbitManagementPort = 15673;

    private static string Script => Path.Combine(Program.Root, "deploy/local/fault-servers.sh");

    public static Task UpAsync() => RunAsync("up");
    public static Task KillRabbitMqAsync() => RunAsync("kill-rabbitmq");
    public static Task StartRabbitMqAsync() => RunAsync("start-rabbitmq");
    public static Task StopPostgresImmediatelyAsync() => RunAsync("stop-postgres");
    public static Task StartPostgresAsync() => RunAsync("start-postgres");

    public static HttpClient Management()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{RabbitManagementPort}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }

    private static async Task RunAsync(string command)
    {
        Program.Log($"fault-servers.sh {command}");
        using var process = Process.Start(new ProcessStartInfo("bash", [Script, command]) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"fault-servers.sh {command} failed ({process.ExitCode})");
    }
}
