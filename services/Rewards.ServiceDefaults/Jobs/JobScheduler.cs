using Microsoft.Extensions.Hosting;

namespace Rewards.ServiceDefaults.Jobs;

/// <summary>Runs each job every <see cref="IClockJob.Interval"/> of wall time; the jobs read the (test) clock for what is due.</summary>
internal sealed class JobScheduler(JobRunner runner, TimeProvider clock) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(runner.Jobs.Select(job => LoopAsync(job, stoppingToken)));

    private async Task LoopAsync(IClockJob job, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            runner.Scheduled(job.Name, clock.GetUtcNow() + job.Interval);
            try { await Task.Delay(job.Interval, TimeProvider.System, ct); }
            catch (OperationCanceledException) { return; }
            try
            {
                await runner.RunIfIdleAsync(job.Name, "schedule", ct);
            }
            catch (Exception ex) when (Outages.Describe(ex) is not null)
            {
                // The job's lock could not be taken; the next round tries again.
            }
        }
    }
}
