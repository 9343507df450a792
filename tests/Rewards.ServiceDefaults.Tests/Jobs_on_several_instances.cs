using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>Several instances of a service share its database: a clock job runs on one of them at a time.</summary>
public sealed class Jobs_on_several_instances(MessagingHost host) : IClassFixture<MessagingHost>
{
    /// <summary>A job that runs until the test lets it finish, and counts how many of its runs overlap.</summary>
    private sealed class HeldJob(string name) : IClockJob
    {
        private int _running;
        public string Name => name;
        public TimeSpan Interval => TimeSpan.FromHours(1);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Runs;
        public int MostAtOnce;

        public async Task<JobResult> RunAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Runs);
            var running = Interlocked.Increment(ref _running);
            MostAtOnce = Math.Max(MostAtOnce, running);
            Started.TrySetResult();
            await Finish.Task.WaitAsync(ct);
            Interlocked.Decrement(ref _running);
            return new JobResult("done", 0);
        }
    }

    /// <summary>An instance of the service: its own pools (so its own database sessions), the same database.</summary>
    private JobRunner Instance(IClockJob job, List<NpgsqlDataSource> pools)
    {
        var db = NpgsqlDataSource.Create(host.ConnectionString);
        var locks = NpgsqlDataSource.Create(host.ConnectionString);
        pools.AddRange([db, locks]);
        return new JobRunner([job], db, locks, TimeProvider.System, host.Host.Services.GetRequiredService<IMeterFactory>(), NullLogger<JobRunner>.Instance);
    }

    [Fact]
    public async Task Should_skip_a_scheduled_run_while_another_instance_runs_the_job_and_make_an_asked_run_wait_for_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var job = new HeldJob($"held-{Guid.NewGuid():N}");
        var pools = new List<NpgsqlDataSource>();
        try
        {
            var (first, second) = (Instance(job, pools), Instance(job, pools));

            var running = first.RunIfIdleAsync(job.Name, "schedule", ct);
            await job.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

            Assert.Null(await second.RunIfIdleAsync(job.Name, "schedule", ct));
            var asked = second.RunAsync(job.Name, "ops:test", ct);
            await Task.Delay(500, ct);
            Assert.False(asked.IsCompleted, "an asked run waits for the run on the other instance");

            job.Finish.TrySetResult();
            Assert.True((await running)!.Succeeded);
            Assert.True((await asked).Succeeded);
            Assert.Equal((2, 1), (job.Runs, job.MostAtOnce));
            // The lock went with the runs: the job runs again at once.
            Assert.NotNull(await first.RunIfIdleAsync(job.Name, "schedule", ct));
        }
        finally
        {
            foreach (var pool in pools) await pool.DisposeAsync();
        }
    }
}
