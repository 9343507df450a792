namespace Rewards.Benchmarks;

internal sealed record BenchOptions(int Seconds, int Members, int Events, int Expire, string Phases, int ScaleMembers, long ScalePostings, string? ScaleDatabase, bool Keep)
{
    public static BenchOptions Parse(string[] args)
    {
        long Get(string name, long fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        }
        // At scale: b and d on both ledgers, then l (liability), v (incremental verify), e (expiry), fv (full verify).
        var phases = Array.IndexOf(args, "--phases") is var p and >= 0 && p + 1 < args.Length ? args[p + 1]
            : args.Contains("--scale-members") ? "b,d,l,v,e,fv" : "a,b,c,f,b2,d,e";
        return new BenchOptions((int)Get("--seconds", 10), (int)Get("--members", 100_000), (int)Get("--events", 20_000), (int)Get("--expire", 1_000_000), phases,
            (int)Get("--scale-members", 0), Get("--scale-postings", 0),
            Array.IndexOf(args, "--scale-database") is var d and >= 0 && d + 1 < args.Length ? args[d + 1] : null, args.Contains("--keep"));
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rewards.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from inside the repository");
    }

    public bool Runs(string phase) => Phases.Split(',').Contains(phase);

    public override string ToString() => ScaleMembers > 0
        ? $"{Seconds} s per phase, {Members:N0} members against {ScaleMembers:N0} members with {ScalePostings:N0} postings, {Expire:N0} lots to expire"
        : $"{Seconds} s per phase, {Members:N0} members, {Events:N0} events, {Expire:N0} lots to expire";
}
