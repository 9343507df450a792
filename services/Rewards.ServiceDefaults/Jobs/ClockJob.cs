using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Rewards.ServiceDefaults.Jobs;

/// <summary>
/// A clock-driven job over the service's database. <see cref="JobRunner"/> runs it on one instance at a time, but it
/// must still be safe to run again over what a killed run left half done (key its effects, work in committed slices).
/// </summary>
public interface IClockJob
{
    string Name { get; }
    TimeSpan Interval { get; }
    /// <summary>Does what is due at the clock's now; returns what it did.</summary>
    Task<JobResult> RunAsync(CancellationToken ct);
}

/// <summary>What a job run did: a one-line summary for people and the rows (lots, members, orders …) it touched.</summary>
public sealed record JobResult(string Summary, long Rows);

public static class JobExtensions
{
    public static IServiceCollection AddClockJob<TJob>(this IServiceCollection services) where TJob : class, IClockJob
    {
        services.AddSingleton<IClockJob, TJob>();
        services.TryAddSingleton<JobRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClockJob, JobHistoryCleanupJob>());
        services.AddHostedService<JobScheduler>(); // registered once however many jobs
        return services;
    }
}
