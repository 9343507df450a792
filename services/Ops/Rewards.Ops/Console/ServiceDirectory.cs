namespace Rewards.Ops.Console;

public sealed record ServiceEntry(string Name, Uri? Url);

/// <summary>Where the console finds each service (configuration section <c>Services</c>: one base URL per service).</summary>
public sealed class ServiceDirectory
{
    public static readonly string[] Names = ["Membership", "Orders", "Ledger", "Notifications"];

    public Uri? Membership { get; set; }
    public Uri? Orders { get; set; }
    public Uri? Ledger { get; set; }
    public Uri? Notifications { get; set; }

    public IReadOnlyList<ServiceEntry> All =>
        [new("Membership", Membership), new("Orders", Orders), new("Ledger", Ledger), new("Notifications", Notifications)];

    public Uri UrlOf(string service) => All.FirstOrDefault(s => string.Equals(s.Name, service, StringComparison.OrdinalIgnoreCase))?.Url
        ?? throw new ArgumentException($"Unknown service '{service}'", nameof(service));

    public static bool IsKnown(string? service) => Names.Contains(service, StringComparer.OrdinalIgnoreCase);
}
