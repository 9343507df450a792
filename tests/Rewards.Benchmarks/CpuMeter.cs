namespace Rewards.Benchmarks;

/// <summary>
/// CPU time used between two readings (from /proc/&lt;pid&gt;/stat): by the Ledger, by all processes together and by
/// the busiest process groups, so a phase reports what each operation costs and who else took the cores, whether or
/// not the machine kept up with the offered rate. (The machine-wide counters of /proc/stat are not used: on this
/// virtual machine they sometimes report less than one process used.)
/// </summary>
internal sealed class CpuMeter(int ledgerPid)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private Dictionary<int, (string Name, double Seconds)> _start = Read();

    public void Restart() => _start = Read();

    public (double Ledger, double AllProcesses, string Busiest) Elapsed()
    {
        var now = Read();
        var used = now
            .Select(p => (p.Key, Seconds: p.Value.Seconds - (_start.TryGetValue(p.Key, out var s) ? s.Seconds : 0), p.Value.Name))
            .ToList();
        var byName = used
            .GroupBy(p => p.Key == ledgerPid ? "ledger" : p.Name)
            .Select(g => (Name: g.Key, Seconds: g.Sum(p => p.Seconds)))
            .Where(g => g.Seconds > 0)
            .OrderByDescending(g => g.Seconds).Take(5);
        var ledger = used.Where(p => p.Key == ledgerPid).Sum(p => p.Seconds);
        return (ledger, used.Sum(p => p.Seconds), string.Join(", ", byName.Select(g => $"{g.Name} {g.Seconds:0.0} s")));
    }

    private static Dictionary<int, (string Name, double Seconds)> Read()
    {
        var processes = new Dictionary<int, (string, double)>();
        if (!OperatingSystem.IsLinux()) return processes;
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
        return processes;
    }
}
