namespace Rewards.Faults;

/// <summary>A fault injected when the given share of the load's planned duration has passed.</summary>
internal sealed record FaultStep(double AtProgress, Func<RunningSystem, Task> InjectAsync);

/// <summary>A run of the load with its faults; <c>Cluster</c>: on the three-node RabbitMQ cluster (deploy/local/cluster.sh).</summary>
internal sealed record Scenario(string Name, string Fault, int Instances, IReadOnlyList<FaultStep> Steps, bool Cluster = false)
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("baseline", "none", 1, []),
        .. RunningSystem.Services.Select(service => new Scenario($"kill-{service.ToLowerInvariant()}",
            $"SIGKILL {service} at 30 % of the load, restarted 1 s later", 1, [new(0.3, s => KillAndRestartAsync(s, s.Instances(service)[0]))])),
        new("kill-rabbitmq", "SIGKILL RabbitMQ at 15, 45 and 75 % of the load, restarted 2 s later", 1,
            [.. new[] { 0.15, 0.45, 0.75 }.Select(at => new FaultStep(at, _ => KillRabbitMqAsync()))]),
        new("stop-postgres", "PostgreSQL stopped -m immediate at 35 % of the load, started 5 s later", 1, [new(0.35, _ => StopPostgresAsync())]),
        new("two-instances", "2 instances of every service; SIGKILL Orders#1 and Ledger#1 at 30 %, RabbitMQ at 60 %", 2,
        [
            new(0.3, s => Task.WhenAll(KillAndRestartAsync(s, s.Instances("Orders")[0]), KillAndRestartAsync(s, s.Instances("Ledger")[0]))),
            new(0.6, _ => KillRabbitMqAsync()),
        ]),
        // Quorum queues on three nodes keep a majority through the loss of one: the services move to another node.
        new("rabbitmq-cluster", "3-node RabbitMQ cluster, 2 instances of every service; SIGKILL of the node with most connections at 30 % and at 65 % of the load, each restarted 5 s later",
            2, [new(0.3, _ => KillBusiestClusterNodeAsync()), new(0.65, _ => KillBusiestClusterNodeAsync())], Cluster: true),
    ];

    private static async Task KillAndRestartAsync(RunningSystem system, ServiceProcess instance)
    {
        await instance.KillAsync();
        await Task.Delay(1_000);
        await system.RestartAsync(instance);
    }

    private static async Task KillRabbitMqAsync()
    {
        await FaultServers.KillRabbitMqAsync();
        await Task.Delay(2_000);
        await FaultServers.StartRabbitMqAsync();
    }

    private static async Task KillBusiestClusterNodeAsync()
    {
        var node = await FaultServers.BusiestClusterNodeAsync();
        await FaultServers.KillClusterNodeAsync(node);
        await Task.Delay(5_000);
        await FaultServers.StartClusterNodeAsync(node);
    }

    private static async Task StopPostgresAsync()
    {
        await FaultServers.StopPostgresImmediatelyAsync();
        await Task.Delay(5_000);
        await FaultServers.StartPostgresAsync();
    }
}
