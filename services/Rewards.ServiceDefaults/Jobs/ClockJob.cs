using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Rewards.ServiceDefaults.Jobs;

/// <summary>
/// A clock-driven job over the service's database. It must be safe to run twice and on two instances at once
/// (claim rows with SKIP LOCKED, key its effects), because the scheduler and an ops "run now" may overlap.
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
