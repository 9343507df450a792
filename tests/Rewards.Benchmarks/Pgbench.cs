using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Rewards.Benchmarks;

/// <summary>The machine's commit rate as a yardstick: pgbench, one INSERT per transaction, 8 clients.</summary>
internal static partial class Pgbench
{
    public static async Task<double> InsertCommitsPerSecondAsync(int seconds)
    {
        await using (var conn = new NpgsqlConnection("Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres"))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("drop table if exists bench_insert; create table bench_insert (id bigserial primary key, v int)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var script = Path.Combine(Path.GetTempPath(), "rewards-bench-insert.sql");
        await File.WriteAllTextAsync(script, "insert into bench_insert (v) values (1);\n");
        var psi = new ProcessStartInfo("pgbench", $"-h 127.0.0.1 -p 5433 -U postgres -n -c 8 -j 2 -T {seconds} -f {script} postgres")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = Tps().Match(output);
        if (!match.Success) throw new InvalidOperationException($"pgbench printed no tps: {output}{await process.StandardError.ReadToEndAsync()}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();
}
