namespace Rewards.Benchmarks;

internal sealed record BenchOptions(int Seconds, int Members, int Events, int Expire, string Phases)
{
    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        }
        var phases = Array.IndexOf(args, "--phases") is var p and >= 0 && p + 1 < args.Length ? args[p + 1] : "a,b,c,f,b2,d,e";
        return new BenchOptions(Get("--seconds", 10), Get("--members", 100_000), Get("--events", 20_000), Get("--expire", 1_000_000), phases);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rewards.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from inside the repository");
    }

    public bool Runs(string phase) => Phases.Split(',').Contains(phase);

    public override string ToString() => $"{Seconds} s per phase, {Members:N0} members, {Events:N0} events, {Expire:N0} lots to expire";
}
