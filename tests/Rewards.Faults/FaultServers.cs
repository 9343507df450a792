using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Rewards.Faults;

/// <summary>
/// The PostgreSQL cluster and RabbitMQ node of deploy/local/fault-servers.sh: the suite's own, so that killing them
/// leaves every other server on the machine alone; and, for the cluster scenario, the RabbitMQ cluster of
/// deploy/local/cluster.sh.
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
    /// <summary>The scenario runs on the three-node RabbitMQ cluster of deploy/local/cluster.sh instead of the single node.</summary>
    public static bool Cluster { get; set; }
    /// <summary>The cluster's nodes, as the services are given them (RabbitMq__ClusterNodes).</summary>
    public static readonly string[] ClusterNodes = ["127.0.0.1:5681", "127.0.0.1:5682", "127.0.0.1:5683"];
    /// <summary>The nodes' management APIs (RabbitMq__ManagementNodes).</summary>
    public static readonly string[] ClusterManagementNodes = ["127.0.0.1:15681", "127.0.0.1:15682", "127.0.0.1:15683"];
    /// <summary>The single node, or the cluster's first (the services' bus address; they connect to any node).</summary>
    public static int RabbitPort => Cluster ? 5681 : 5673;
    /// <summary>The single node's management API, or the cluster's first node's (it sees the whole cluster).</summary>
    public static int RabbitManagementPort => Cluster ? 15681 : 15673;

    private static string Script => Path.Combine(Program.Root, "deploy/local/fault-servers.sh");
    private static string ClusterScript => Path.Combine(Program.Root, "deploy/local/cluster.sh");

    public static Task UpAsync() => RunAsync("up");
    public static Task KillRabbitMqAsync() => RunAsync("kill-rabbitmq");
    public static Task StartRabbitMqAsync() => RunAsync("start-rabbitmq");
    public static Task StopPostgresImmediatelyAsync() => RunAsync("stop-postgres");
    public static Task StartPostgresAsync() => RunAsync("start-postgres");
    public static Task ClusterUpAsync() => RunAsync("up", ClusterScript);

    /// <summary>The cluster node (1–3) that holds most of the services' connections right now.</summary>
    public static async Task<int> BusiestClusterNodeAsync()
    {
        using var rabbit = Management();
        var connections = await rabbit.GetFromJsonAsync<List<System.Text.Json.JsonElement>>("/api/connections?columns=node") ?? [];
        var busiest = connections.Select(c => c.GetProperty("node").GetString()!).GroupBy(n => n).MaxBy(g => g.Count())?.Key ?? "rewards-mq1@localhost";
        return int.Parse(busiest["rewards-mq".Length..busiest.IndexOf('@')], System.Globalization.CultureInfo.InvariantCulture);
    }
    public static Task KillClusterNodeAsync(int node) => RunAsync("kill", ClusterScript, $"{node}");
    public static Task StartClusterNodeAsync(int node) => RunAsync("start", ClusterScript, $"{node}");

    public static HttpClient Management()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{RabbitManagementPort}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }

    private static async Task RunAsync(string command, string? script = null, string? argument = null)
    {
        script ??= Script;
        var line = $"{Path.GetFileName(script)} {command} {argument}".TrimEnd();
        Program.Log(line);
        using var process = Process.Start(new ProcessStartInfo("bash", [script, command, .. argument is null ? Array.Empty<string>() : [argument]])
        {
            UseShellExecute = false,
        })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{line} failed ({process.ExitCode})");
    }
}
