using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Rewards.Faults;

/// <summary>One instance of a service: a real <c>dotnet</c> process on its own port, its output in a log file.</summary>
internal sealed class ServiceProcess(string service, int instance, string dll, IReadOnlyDictionary<string, string> environment, string log)
{
    private Process? _process;

    public string Service => service;
    public int Instance => instance;
    public string Url => environment["Urls"];
    public string Log => log;

    private string PidFile => Path.Combine(Program.Root, ".local/faults/services", $"{service}-{instance + 1}.pid");

    /// <summary>Kills an instance a run that was itself killed left behind on this instance's port.</summary>
    public void KillLeftover()
    {
        if (!File.Exists(PidFile)) return;
        try { Process.GetProcessById(int.Parse(File.ReadAllText(PidFile), System.Globalization.CultureInfo.InvariantCulture)).Kill(); }
        catch (ArgumentException) { } // long gone
        File.Delete(PidFile);
    }

    public void Start()
    {
        // exec: the shell becomes the service, so the process killed below is the service itself.
        var psi = new ProcessStartInfo("bash", ["-c", "exec dotnet \"$0\" >>\"$1\" 2>&1 </dev/null", dll, log])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"{Name} did not start");
        Directory.CreateDirectory(Path.GetDirectoryName(PidFile)!);
        File.WriteAllText(PidFile, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public string Name => $"{service}#{instance + 1}";

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no shutdown hooks, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
        Program.Log($"SIGKILL {Name}");
    }

    /// <summary>Ends the instance after a run (no need for a graceful stop: its database and queues are dropped next).</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_process?.HasExited == true) throw new InvalidOperationException($"{Name} exited; see {log}");
            try
            {
                using var response = await http.GetAsync($"{Url}/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} was not ready within {within.TotalSeconds:0} s; see {log}");
    }
}

/// <summary>
/// The four services (one or more instances each) on the fault servers' PostgreSQL and RabbitMQ, with fresh
/// databases and a fresh virtual host for every run, Development settings (dev secrets, ops account, test clock).
/// </summary>
internal sealed class RunningSystem : IAsyncDisposable
{
    public static readonly string[] Services = ["Membership", "Orders", "Ledger", "Notifications"];
    private static readonly Dictionary<string, int> BasePorts = new() { ["Membership"] = 5201, ["Orders"] = 5202, ["Ledger"] = 5203, ["Notifications"] = 5204 };
    public const string VirtualHost = "faults";

    private readonly Dictionary<string, List<ServiceProcess>> _instances = [];
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    public string LogDirectory { get; }

    private RunningSystem(string logDirectory) => LogDirectory = logDirectory;

    public IReadOnlyList<ServiceProcess> Instances(string service) => _instances[service];
    public IEnumerable<ServiceProcess> All => _instances.Values.SelectMany(i => i);
    public static string Database(string service) => $"faults_{service.ToLowerInvariant()}";
    private static string ServiceConnectionString(string service) =>
        new NpgsqlConnectionStringBuilder(FaultServers.Postgres) { Database = Database(service) }.ConnectionString;
    /// <summary>For the suite's own look into a service's database.</summary>
    public static string ConnectionString(string service) => FaultServers.Inspect(Database(service));

    public static async Task<RunningSystem> StartAsync(string root, string logDirectory, int instances)
    {
        await ResetStateAsync();
        Directory.CreateDirectory(logDirectory);
        var system = new RunningSystem(logDirectory);
        foreach (var service in Services)
        {
            var dll = Path.Combine(root, $"services/{service}/Rewards.{service}/bin/Release/net10.0/Rewards.{service}.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException("Build the solution in Release first (deploy/local/faults.sh does)", dll);
            system._instances[service] = [.. Enumerable.Range(0, instances).Select(i => new ServiceProcess(service, i, dll,
                Environment(service, BasePorts[service] + 10 * i), Path.Combine(logDirectory, $"{service}-{i + 1}.log")))];
        }
        foreach (var process in system.All) process.KillLeftover();
        // First instances first: each creates its database and applies its migrations; the second ones then find them.
        for (var i = 0; i < instances; i++)
        {
            var wave = system._instances.Values.Select(list => list[i]).ToList();
            wave.ForEach(p => p.Start());
            await Task.WhenAll(wave.Select(p => p.WaitUntilReadyAsync(system._probe, TimeSpan.FromSeconds(90))));
        }
        return system;
    }

    private static Dictionary<string, string> Environment(string service, int port)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["Urls"] = $"http://127.0.0.1:{port}",
            [$"ConnectionStrings__{service}"] = ServiceConnectionString(service),
            ["RabbitMq__Port"] = FaultServers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq__ManagementPort"] = FaultServers.RabbitManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = VirtualHost,
        };
        if (FaultServers.Cluster)
        {
            for (var i = 0; i < FaultServers.ClusterNodes.Length; i++)
            {
                settings[$"RabbitMq__ClusterNodes__{i}"] = FaultServers.ClusterNodes[i];
                settings[$"RabbitMq__ManagementNodes__{i}"] = FaultServers.ClusterManagementNodes[i];
            }
        }
        if (service == "Membership")
        {
            settings["Ledger__BaseUrl"] = $"http://127.0.0.1:{BasePorts["Ledger"]}";
            settings["Jwt__AccessTokenSeconds"] = "7200"; // one login per member lasts the whole run
        }
        return settings;
    }

    /// <summary>Drops the databases and the virtual host of the run before, so every run starts from nothing.</summary>
    private static async Task ResetStateAsync()
    {
        await using (var conn = new NpgsqlConnection(FaultServers.Inspect("postgres")))
        {
            foreach (var service in Services) await conn.ExecuteAsync($"drop database if exists {Database(service)} with (force)");
        }
        using var rabbit = FaultServers.Management();
        await rabbit.DeleteAsync($"/api/vhosts/{VirtualHost}");
        (await rabbit.PutAsync($"/api/vhosts/{VirtualHost}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", System.Text.Encoding.UTF8, "application/json");
        (await rabbit.PutAsync($"/api/permissions/{VirtualHost}/guest", permissions)).EnsureSuccessStatusCode();
    }

    public async Task RestartAsync(ServiceProcess instance)
    {
        instance.Start();
        await instance.WaitUntilReadyAsync(_probe, TimeSpan.FromSeconds(120));
        Program.Log($"{instance.Name} ready again");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in All) await process.StopAsync();
        _probe.Dispose();
    }
}
