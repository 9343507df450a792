using System.Text;
using Rewards.Benchmarks;

// Ledger benchmark (issue: Rewards-Ledger engine). Needs deploy/local/servers-up.sh to have run.
// Usage: dotnet run -c Release --project tests/Rewards.Benchmarks [-- --seconds 10 --members 100000 --events 20000 --expire 1000000 --phases a,b,c,f,b2,d,e,v]
// At scale: [-- --scale-members 10000000 --scale-postings 100000000 --expire 10000000] (see ScaleRun).
// Before each phase the Ledger's outbox is drained and the written tables vacuumed and analysed (SettleAsync).
var options = BenchOptions.Parse(args);
var root = BenchOptions.RepositoryRoot();
var server = "Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres";
var report = new StringBuilder();
void Print(string line) { Console.WriteLine(line); report.AppendLine(line); }
// CPU time per operation over the phase just measured: what it costs, whatever the latency did.
void PrintCpu(LedgerProcess ledger, double operations)
{
    var (process, all, busiest) = ledger.Cpu.Elapsed();
    Print($"    CPU per operation: Ledger {process * 1e6 / operations:N0} µs, all processes {all * 1e6 / operations:N0} µs (busiest: {busiest})");
}

Print($"# Ledger benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {options}");

if (options.ScaleMembers > 0)
{
    await ScaleRun.RunAsync(options, root, server, Print);
    await AppendToDocsAsync();
    return;
}

// (a) the physical reference: single-row INSERT commits per second, 8 clients.
var reference = await Pgbench.InsertCommitsPerSecondAsync(options.Seconds);
Print($"(a) pgbench single-row INSERT, 8 clients: {reference:N0} commits/s");
double spread = double.NaN;

await using var ledger = await LedgerProcess.StartAsync(root, server);
await ledger.LoadMembersAsync(options.Members);
Print($"    loaded {options.Members:N0} members");

// (b) credits/s through the HTTP posting path, 64 clients spread over members; (c) the same on one member.
var warm = await ledger.WarmUpAsync(round: TimeSpan.FromSeconds(5), atMost: TimeSpan.FromSeconds(90));
Print($"    warmed up in {warm.TotalSeconds:0} s (until the JIT compiled fewer than 20 methods/s)");

if (options.Runs("b"))
{
    await ledger.SettleAsync();
    ledger.Cpu.Restart();
    spread = await ledger.CreditsPerSecondAsync(64, options.Seconds, oneMember: false);
    Print($"(b) ops credits over HTTP with Idempotency-Keys, 64 clients, spread: {spread:N0}/s = {spread / reference:0.00} × (a)  [target ≥ 0.50]");
    PrintCpu(ledger, spread * options.Seconds);
    // The machine's speed drifts over minutes, and (a) ran before the load and the warm-up: measured again at once,
    // the reference brackets the ratio.
    var after = await Pgbench.InsertCommitsPerSecondAsync(options.Seconds);
    Print($"    pgbench again right after (b): {after:N0} commits/s, so (b) = {spread / after:0.00} × that");
}
if (options.Runs("c"))
{
    await ledger.SettleAsync();
    ledger.Cpu.Restart();
    var hot = await ledger.CreditsPerSecondAsync(64, options.Seconds, oneMember: true);
    Print($"(c) ops credits over HTTP with Idempotency-Keys, 64 clients, one member: {hot:N0}/s = {hot / spread:0.00} × (b)  [target ≥ 0.50]");
    PrintCpu(ledger, hot * options.Seconds);
}

// (f) partner purchases through the signed partner API, 64 tills spread over members, against (b) of this run.
if (options.Runs("f"))
{
    var partner = await PartnerPurchasing.CreatePartnerAsync(ledger.Http);
    // Tills carry no bearer token: the signature is their only credential.
    using var tills = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = ledger.Http.BaseAddress };
    await PartnerPurchasing.PurchasesPerSecondAsync(tills, partner, ledger.Members, 32, 10); // warms the partner path's code
    await ledger.SettleAsync();
    ledger.Cpu.Restart();
    var purchases = await PartnerPurchasing.PurchasesPerSecondAsync(tills, partner, ledger.Members, 64, options.Seconds);
    Print($"(f) partner purchases through the signed API, 64 clients, spread: {purchases:N0}/s = {purchases / spread:0.00} × (b)  [target ≥ 0.90]");
    PrintCpu(ledger, purchases * options.Seconds);
}

// (b2) OrderPaid events earned per second from the broker.
if (options.Runs("b2"))
{
    await ledger.SettleAsync();
    ledger.Cpu.Restart();
    var earned = await BrokerEarning.EventsPerSecondAsync(ledger, ledger.Members, options.Events);
    Print($"(b2) OrderPaid events earned from RabbitMQ ({options.Events:N0} events): {earned:N0}/s = {earned / reference:0.00} × (a)  [target ≥ 0.25]");
    PrintCpu(ledger, options.Events);
}

// (d) balance latency at a fixed arrival rate.
if (options.Runs("d"))
{
    await ledger.SettleAsync();
    ledger.Cpu.Restart();
    var (p50, p99, achieved, served) = await ledger.BalanceLatencyAsync(2000, options.Seconds);
    Print($"(d) balance at 2,000 req/s offered ({achieved:N0}/s served): p50 {p50:0.00} ms, p99 {p99:0.00} ms  [target p99 ≤ 5 ms]");
    PrintCpu(ledger, served);
}

// (e) expiring due lots in one job run.
if (options.Runs("e"))
{
    await ledger.SettleAsync();
    var expiry = await ledger.ExpireAsync(options.Expire);
    Print($"(e) expiry job over {options.Expire:N0} due lots: {expiry.TotalSeconds:0.0} s  [target ≤ 30 s]");
}

// (v) verification: GET /ops/verify over everything at once, and one pass of the verify job's incremental checks.
if (options.Runs("v"))
{
    await ledger.SettleAsync();
    var (full, counted) = await ledger.FullVerifyAsync();
    Print($"(v) full verify (GET /ops/verify): {full.TotalSeconds:0.0} s for {counted:N0} accounts");
    var (pass, accounts) = await ledger.VerifyPassAsync();
    Print($"(v) incremental verify (job verify, slices of 5,000 members): a pass over {accounts:N0} member accounts in {pass.TotalSeconds:0.0} s = {accounts / pass.TotalSeconds:N0} accounts/s");
}

await AppendToDocsAsync();

async Task AppendToDocsAsync()
{
    var docs = Path.Combine(root, "docs", "benchmarks.md");
    Directory.CreateDirectory(Path.GetDirectoryName(docs)!);
    await File.AppendAllTextAsync(docs, $"\n```\n{report}```\nCommand: `dotnet run -c Release --project tests/Rewards.Benchmarks -- {string.Join(' ', args)}`\n");
    Console.WriteLine($"appended to {docs}");
}
