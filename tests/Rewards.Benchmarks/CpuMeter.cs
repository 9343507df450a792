namespace Rewards.Benchmarks;

/// <summary>
/// CPU time used between two readings (from /proc): by the Ledger, by the whole machine and by the busiest process
/// groups, so a phase reports what each operation costs and who else took the cores, whether or not the machine kept
/// up with the offered rate.
/// </summary>
internal sealed class CpuMeter(int ledgerPid)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private Reading _start = Read();

    public void Restart() => _start = Read();

    public (double Ledger, double Machine, string Busiest) Elapsed()
    {
        var now = Read();
        var byName = now.Processes
            .Select(p => (p.Key, Seconds: p.Value.Seconds - (_start.Processes.TryGetValue(p.Key, out var s) ? s.Seconds : 0), p.Value.Name))
            .GroupBy(p => p.Key == ledgerPid ? "ledger" : p.Name)
            .Select(g => (Name: g.Key, Seconds: g.Sum(p => p.Seconds)))
            .Where(g => g.Seconds > 0)
            .OrderByDescending(g => g.Seconds).Take(5);
        var ledger = now.Processes.GetValueOrDefault(ledgerPid).Seconds - _start.Processes.GetValueOrDefault(ledgerPid).Seconds;
        return (ledger, now.Machine - _start.Machine, string.Join(", ", byName.Select(g => $"{g.Name} {g.Seconds:0.0} s")));
    }

    private sealed record Reading(double Machine, Dictionary<int, (string Name, double Seconds)> Processes);

    private static Reading Read()
    {
        if (!OperatingSystem.IsLinux()) return new Reading(0, []);
        // /proc/stat "cpu" line: user nice system idle iowait irq softirq steal …; busy = all but idle and iowait.
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
        var processes = new Dictionary<int, (string, double)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // /proc/<pid>/stat: "pid (name) state …", utime and stime are fields 14 and 15.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                processes[pid] = (stat[(open + 1)..close], (double.Parse(fields[11]) + double.Parse(fields[12])) / TicksPerSecond);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return new Reading((cpu.Sum() - cpu[3] - cpu[4]) / TicksPerSecond, processes);
    }
}
