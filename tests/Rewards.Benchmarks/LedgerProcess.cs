using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.Benchmarks;

/// <summary>The Ledger as a real process on Kestrel, on a fresh database, driven over HTTP.</summary>
internal sealed partial class LedgerProcess : IAsyncDisposable
{
    private const string Url = "http://127.0.0.1:5193";
    private readonly Process _process;
    private readonly HttpClient _http;
    private Guid[] _members = [];

    public string ConnectionString { get; }
    /// <summary>
    /// The benchmark's own RabbitMQ virtual host: events go only to the queues of this Ledger, not to those a local
    /// development system left in "/", which would store every event of every phase and take the broker's time.
    /// </summary>
    public string VirtualHost { get; }
    public CpuMeter Cpu { get; }
    public Guid[] Members => _members;
    /// <summary>The Ledger over HTTP, as ops.</summary>
    public HttpClient Http => _http;

    private LedgerProcess(Process process, string connectionString, string virtualHost)
    {
        _process = process;
        ConnectionString = connectionString;
        VirtualHost = virtualHost;
        Cpu = new CpuMeter(process.Id);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(Url),
            Timeout = TimeSpan.FromMinutes(60),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Ops());
    }

    /// <summary>Keep the database when disposed (to measure a loaded ledger again with <c>--scale-database</c>).</summary>
    public bool KeepDatabase { get; init; }

    /// <summary>Starts the Ledger on a new database, or on <paramref name="database"/> when given.</summary>
    public static async Task<LedgerProcess> StartAsync(string root, string server, string? database = null, bool keepDatabase = false)
    {
        Run("dotnet", $"build -c Release -v q -nologo {Path.Combine(root, "services/Ledger/Rewards.Ledger")}");
        database ??= $"rewards_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        var dll = Path.Combine(root, "services/Ledger/Rewards.Ledger/bin/Release/net10.0/Rewards.Ledger.dll");
        var vhost = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        using (var rabbit = RabbitManagement())
        {
            (await rabbit.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
            (await rabbit.PutAsJsonAsync($"api/permissions/{vhost}/guest", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        }
        var psi = new ProcessStartInfo("dotnet", dll) { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Urls"] = Url;
        psi.Environment["ConnectionStrings__Ledger"] = connectionString;
        psi.Environment["RabbitMq__VirtualHost"] = vhost;
        psi.Environment["Jwt__SigningKey"] = ServiceHost<object>.SigningKey;
        psi.Environment["Partners__SecretKey"] = ServiceHost<object>.PartnerSecretKey;
        psi.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var ledger = new LedgerProcess(process, connectionString, vhost) { KeepDatabase = keepDatabase };
        for (var i = 0; i < 240; i++)
        {
            try
            {
                if ((await ledger._http.GetAsync("/health/ready")).IsSuccessStatusCode) return ledger;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        throw new InvalidOperationException("The Ledger did not become ready");
    }

    public async Task LoadMembersAsync(int members)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.ExecuteAsync(
            """
            insert into accounts (id, member_id, channel, bucket, created_at)
            select gen_random_uuid(), m.id, c, b, now()
            from (select gen_random_uuid() as id from generate_series(1, @members)) m,
                 unnest(array['online', 'offline']) c, unnest(array['earned', 'pending', 'held']) b
            """, new { members }, commandTimeout: 600);
        // As Membership's MemberRegistered leaves it: every member's enrolment (L3), registered a year ago.
        await conn.ExecuteAsync(
            """
            insert into member_enrolments (member_id, registered_at)
            select distinct member_id, now() - interval '1 year' from accounts where member_id is not null
            """, commandTimeout: 600);
        _members = [.. await conn.QueryAsync<Guid>("select member_id from member_enrolments")];
    }

    /// <summary>
    /// Runs credits, balance reads and OrderPaid events, unmeasured, until the JIT has settled: tiered compilation with dynamic PGO
    /// compiles the hot paths three times (tier 0, instrumented, optimised) and on two cores that takes tens of seconds
    /// of load, during which the JIT itself uses a good part of a core. The service runs for days; measure it warm.
    /// </summary>
    public async Task<TimeSpan> WarmUpAsync(TimeSpan round, TimeSpan atMost)
    {
        var stopwatch = Stopwatch.StartNew();
        var compiled = await JitCompiledMethodsAsync();
        while (stopwatch.Elapsed < atMost)
        {
            var credits = CreditsPerSecondAsync(32, (int)round.TotalSeconds, oneMember: false);
            var reads = BalanceLatencyAsync(500, (int)round.TotalSeconds);
            var events = BrokerEarning.EventsPerSecondAsync(this, _members, 2_000);
            await Task.WhenAll(credits, reads, events);
            var now = await JitCompiledMethodsAsync();
            var settled = now - compiled < 20 * round.TotalSeconds;
            compiled = now;
            if (settled) break;
        }
        return stopwatch.Elapsed;
    }

    private async Task<double> JitCompiledMethodsAsync()
    {
        var metrics = await _http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_jit_compiled_methods_total", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Brings the system to rest before a phase: the Ledger has published every event it queued, and the tables the
    /// phases write are vacuumed and analysed. Otherwise a phase pays for the one before (its events, autovacuum's
    /// work on its dead rows) and runs on the statistics of a younger database, where PostgreSQL may plan every
    /// execution of a prepared statement anew instead of reusing its generic plan.
    /// </summary>
    public async Task SettleAsync()
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        var stopwatch = Stopwatch.StartNew();
        while (await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages where published_at is null") > 0)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("The outbox did not drain within 10 minutes");
            await Task.Delay(500);
        }
        await conn.ExecuteAsync("vacuum (analyze) accounts, lots, postings, allocations, outbox_messages, inbox_messages", commandTimeout: 600);
        if (stopwatch.Elapsed > TimeSpan.FromSeconds(1)) Console.WriteLine($"    settled in {stopwatch.Elapsed.TotalSeconds:0} s");
    }

    public async Task<double> CreditsPerSecondAsync(int clients, int seconds, bool oneMember)
    {
        var hot = _members[0];
        var done = 0L;
        var failed = 0L;
        var stopwatch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var random = new Random(client);
            while (stopwatch.Elapsed < until)
            {
                var member = oneMember ? hot : _members[random.Next(_members.Length)];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/ops/members/{member}/credits")
                {
                    Content = JsonContent.Create(new { channel = "online", points = 10, kind = "correction", reason = "benchmark" }),
                    Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
                };
                using var response = await _http.SendAsync(request);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref done);
                else Interlocked.Increment(ref failed);
            }
        }));
        if (failed > 0) Console.WriteLine($"    {failed} credits failed");
        return done / stopwatch.Elapsed.TotalSeconds;
    }

    public async Task<(double P50, double P99, double PerSecond, int Served)> BalanceLatencyAsync(int perSecond, int seconds)
    {
        var latencies = new ConcurrentBag<double>();
        var tasks = new List<Task>();
        var stopwatch = Stopwatch.StartNew();
        var sent = 0;
        var random = new Random(7);
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            // Open loop: send what the schedule says is due, whatever the server's speed.
            var due = (int)(stopwatch.Elapsed.TotalSeconds * perSecond);
            for (; sent < due; sent++)
            {
                var member = _members[random.Next(_members.Length)];
                tasks.Add(Task.Run(async () =>
                {
                    var start = Stopwatch.GetTimestamp();
                    using var response = await _http.GetAsync($"/ops/members/{member}/accounts");
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.IsSuccessStatusCode) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }));
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(tasks);
        var sorted = latencies.Order().ToArray();
        return (Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length / stopwatch.Elapsed.TotalSeconds, sorted.Length);
    }

    public async Task<TimeSpan> ExpireAsync(int lots)
    {
        await using (var conn = new NpgsqlConnection(ConnectionString))
        {
            // Due lots spread over the members, with the member balances that hold them.
            await conn.ExecuteAsync(
                """
                insert into lots (id, member_id, channel, source, reference, amount, remaining, status, earned_at, expires_at, transferable, created_at)
                select gen_random_uuid(), m.member_id, 'online', 'correction', 'bench:' || g, 10, 10, 'earned',
                       now() - interval '61 months', now() - interval '1 day', true, now()
                from generate_series(1, @lots) g
                join (select member_id, row_number() over (order by member_id) - 1 as n from accounts where bucket = 'earned' and channel = 'online') m
                  on m.n = g % @members;
                update accounts a set balance = a.balance + l.total
                from (select member_id, sum(remaining) as total from lots where reference like 'bench:%' group by member_id) l
                where a.member_id = l.member_id and a.channel = 'online' and a.bucket = 'earned';
                analyze lots; analyze accounts;
                """, new { lots, members = _members.Length }, commandTimeout: 1200);
        }
        var stopwatch = Stopwatch.StartNew();
        var run = await _http.PostAsync("/ops/jobs/expiry/run", null);
        var result = await run.Content.ReadAsStringAsync();
        stopwatch.Stop();
        Console.WriteLine($"    {result}");
        if (!result.Contains("\"succeeded\":true", StringComparison.Ordinal)) throw new InvalidOperationException("The expiry run failed");
        return stopwatch.Elapsed;
    }

    /// <summary>GET /ops/verify: every check over the whole ledger in one transaction; its time and the accounts it counted.</summary>
    public async Task<(TimeSpan Took, long Accounts)> FullVerifyAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var report = await _http.GetFromJsonAsync<System.Text.Json.JsonElement>("/ops/verify");
        return (stopwatch.Elapsed, report.GetProperty("accountsChecked").GetInt64());
    }

    /// <summary>
    /// The verify job's incremental checks: runs the job until the pass under way ends, then times one whole pass
    /// (each run checks slices for up to 20 s); returns its time and the accounts it checked.
    /// </summary>
    public async Task<(TimeSpan Took, long Accounts)> VerifyPassAsync()
    {
        async Task<(bool Completed, long Rows)> RunAsync()
        {
            var run = await (await _http.PostAsync("/ops/jobs/verify/run", null)).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            if (!run.GetProperty("succeeded").GetBoolean()) throw new InvalidOperationException($"The verify run failed: {run}");
            return (run.GetProperty("result").GetString()!.StartsWith("pass completed", StringComparison.Ordinal), run.GetProperty("rows").GetInt64());
        }
        while (!(await RunAsync()).Completed) { }
        var stopwatch = Stopwatch.StartNew();
        long accounts = 0;
        while (true)
        {
            var (completed, rows) = await RunAsync();
            accounts += rows;
            if (completed) return (stopwatch.Elapsed, accounts);
        }
    }

    /// <summary>The verify job run <paramref name="runs"/> times (each checks slices for up to 20 s): the accounts it checked and the time.</summary>
    public async Task<(TimeSpan Took, long Accounts)> VerifyRunsAsync(int runs)
    {
        var stopwatch = Stopwatch.StartNew();
        long accounts = 0;
        for (var i = 0; i < runs; i++)
        {
            var run = await (await _http.PostAsync("/ops/jobs/verify/run", null)).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            if (!run.GetProperty("succeeded").GetBoolean()) throw new InvalidOperationException($"The verify run failed: {run}");
            accounts += run.GetProperty("rows").GetInt64();
        }
        return (stopwatch.Elapsed, accounts);
    }

    private static HttpClient RabbitManagement()
    {
        var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:15672/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return http;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        // The benchmark's database is hundreds of megabytes; leave the cluster as it was.
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        if (KeepDatabase)
        {
            Console.WriteLine($"    kept database {database}");
            return;
        }
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres" }.ConnectionString);
        await conn.ExecuteAsync($"drop database if exists \"{database}\" with (force)");
        using var rabbit = RabbitManagement();
        await rabbit.DeleteAsync($"api/vhosts/{VirtualHost}");
    }
}
