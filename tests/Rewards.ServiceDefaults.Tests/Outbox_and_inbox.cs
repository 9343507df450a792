using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;
using Rewards.Testing;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>The transactional outbox and the inbox against real PostgreSQL and RabbitMQ.</summary>
public sealed class Outbox_and_inbox(MessagingHost host) : IClassFixture<MessagingHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Should_publish_a_committed_event_once_and_mark_it()
    {
        var reference = Guid.NewGuid().ToString();
        var id = await host.EnqueueAsync(MessagingHost.Message(reference));

        await host.Relay.RelayOnceAsync(TestContext.Current.CancellationToken);

        Assert.True(await Eventually.TrueAsync(async () => await host.EffectsAsync(reference) == 1, Wait));
        var row = await host.OutboxRowAsync(id);
        Assert.NotNull(row!.PublishedAt);
        Assert.Equal(1, host.Deliveries.Of(id));
    }

    [Fact]
    public async Task Should_consume_a_message_in_the_trace_its_publish_started_without_recording_spans()
    {
        var id = await host.EnqueueAsync(MessagingHost.Message($"trace-{Guid.NewGuid()}"));

        await host.Relay.RelayOnceAsync(TestContext.Current.CancellationToken);

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(host.Deliveries.Of(id) == 1), Wait));
        var (consumedIn, publishedIn) = host.Deliveries.TraceOf(id);
        Assert.NotNull(publishedIn); // W3C: 00-<trace id>-<span id>-<flags>
        Assert.Equal(publishedIn.Split('-')[1], consumedIn);
        Assert.NotEqual(new string('0', 32), consumedIn);
    }

    [Fact]
    public async Task Should_never_publish_an_event_whose_transaction_rolled_back()
    {
        var reference = Guid.NewGuid().ToString();
        var id = await host.EnqueueAsync(MessagingHost.Message(reference), commit: false);

        await host.Relay.RelayOnceAsync(TestContext.Current.CancellationToken);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        Assert.Null(await host.OutboxRowAsync(id));
        Assert.Equal(0, host.Deliveries.Of(id));
        Assert.Equal(0, await host.EffectsAsync(reference));
    }

    [Fact]
    public async Task Should_publish_again_after_a_crash_between_publish_and_mark_and_apply_the_effect_once()
    {
        var ct = TestContext.Current.CancellationToken;
        string reference;
        Guid id;
        var crashed = false;
        var attempts = 0;
        do
        {
            // The relay loop, woken by another test's consumer, may take the row before this pass does: then the crash
            // did not happen to it, and the test tries again with a new row.
            reference = Guid.NewGuid().ToString();
            id = await host.EnqueueAsync(MessagingHost.Message(reference));
            try { await host.Relay.RelayOnceAsync(ct, crashAfterPublish: true); }
            catch (InvalidOperationException) { crashed = (await host.OutboxRowAsync(id))!.PublishedAt is null; }
        }
        while (!crashed && ++attempts < 5);
        Assert.True(crashed, "a relay pass crashed between publishing the row and marking it");
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(host.Deliveries.Of(id) >= 1), Wait), "the first publish reached the broker");

        // The restarted relay finds the unmarked row (the relay loop, woken by the consumer, may get there first).
        await host.Relay.RelayOnceAsync(ct);

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(host.Deliveries.Of(id) == 2), Wait), "the row was published a second time");
        Assert.True(await Eventually.TrueAsync(async () => (await host.OutboxRowAsync(id))!.PublishedAt is not null, Wait));
        await Task.Delay(500, ct);
        Assert.Equal(1, await host.EffectsAsync(reference));
    }

    [Fact]
    public async Task Should_apply_a_message_delivered_twice_concurrently_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var reference = Guid.NewGuid().ToString();
        var message = MessagingHost.Message(reference);
        var messageId = NewId.NextGuid();
        var bus = host.Host.Services.GetRequiredService<IBus>();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bus.Publish(message, c => c.MessageId = messageId, ct)));

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(host.Deliveries.Of(messageId) == 5), Wait));
        await Task.Delay(500, ct);
        Assert.Equal(1, await host.EffectsAsync(reference));
    }

    [Fact]
    public async Task Should_retry_a_row_that_fails_to_publish_without_holding_up_the_rows_behind_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var broken = Guid.NewGuid();
        await using (var conn = new NpgsqlConnection(host.ConnectionString))
        {
            await conn.ExecuteAsync(
                """
                insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at)
                values (@broken, 'Rewards.Contracts.NoSuchEvent', '{}', now(), now())
                """, new { broken });
        }
        var reference = Guid.NewGuid().ToString();
        var good = await host.EnqueueAsync(MessagingHost.Message(reference));

        await host.Relay.RelayOnceAsync(ct);

        Assert.True(await Eventually.TrueAsync(async () => await host.EffectsAsync(reference) == 1, Wait));
        var failed = await host.OutboxRowAsync(broken);
        Assert.Null(failed!.PublishedAt);
        Assert.True(failed.Attempts >= 1); // the relay loop may have retried it once more by now
        Assert.Contains("Unknown message type", failed.LastError, StringComparison.Ordinal);
        Assert.True(failed.NextAttemptAt > DateTimeOffset.UtcNow, "a failed row waits for its back-off");
        Assert.NotNull((await host.OutboxRowAsync(good))!.PublishedAt);
    }

    [Fact]
    public async Task Should_give_up_on_a_publish_that_is_never_confirmed_and_publish_the_row_again_once_the_broker_confirms()
    {
        var ct = TestContext.Current.CancellationToken;
        var stuck = $"unconfirmed-{Guid.NewGuid()}";
        var fine = Guid.NewGuid().ToString();
        host.Unconfirmed.Hold();
        try
        {
            var stuckId = await host.EnqueueAsync(MessagingHost.Message(stuck));
            var fineId = await host.EnqueueAsync(MessagingHost.Message(fine));

            // Without a deadline on the confirm this pass would never return, and the relay would stall for good.
            var pass = host.Relay.RelayOnceAsync(ct);
            Assert.Same(pass, await Task.WhenAny(pass, Task.Delay(TimeSpan.FromSeconds(15), ct)));
            await pass;

            var row = await host.OutboxRowAsync(stuckId);
            Assert.Null(row!.PublishedAt);
            Assert.Contains("did not confirm", row.LastError, StringComparison.Ordinal);
            Assert.True(row.NextAttemptAt <= DateTimeOffset.UtcNow.AddSeconds(6), "a broker fault backs off for seconds, not minutes");
            Assert.NotNull((await host.OutboxRowAsync(fineId))!.PublishedAt);

            host.Unconfirmed.Release();
            Assert.True(await Eventually.TrueAsync(async () =>
            {
                await host.Relay.RelayOnceAsync(ct);
                return (await host.OutboxRowAsync(stuckId))!.PublishedAt is not null;
            }, Wait), "the row was published once the broker confirmed again");
            Assert.True(await Eventually.TrueAsync(async () => await host.EffectsAsync(stuck) == 1, Wait));
            await Task.Delay(500, ct);
            Assert.Equal(1, await host.EffectsAsync(stuck)); // the late first publish and the second are one effect
        }
        finally
        {
            host.Unconfirmed.Release();
        }
    }

    [Fact]
    public async Task Should_report_the_outbox_lag_and_turn_readiness_degraded_then_unhealthy_as_it_grows()
    {
        var ct = TestContext.Current.CancellationToken;
        var monitor = host.Host.Services.GetRequiredService<OutboxMonitor>();
        var health = host.Host.Services.GetRequiredService<HealthCheckService>();
        var id = Guid.NewGuid();
        await using (var conn = new NpgsqlConnection(host.ConnectionString))
        {
            // The lag is the age of the row at the head of the outbox: the rows other tests left must be out of the way,
            // including the unpublishable ones (an unknown type) that tests of the relay's back-off leave behind.
            await conn.ExecuteAsync("delete from outbox_messages where published_at is null and message_type = 'Rewards.Contracts.NoSuchEvent'");
            Assert.True(await Eventually.TrueAsync(async () =>
                await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages where published_at is null") == 0, TimeSpan.FromSeconds(30)));
            // A row that cannot be published, waiting for 45 s by the database's clock.
            await conn.ExecuteAsync(
                """
                insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at, enqueued_at)
                values (@id, 'Rewards.Contracts.NoSuchEvent', '{}', now(), now() + interval '1 hour', now() - interval '45 seconds')
                """, new { id });
        }
        try
        {
            var lag = await monitor.MeasureAsync(ct);
            Assert.True(lag.Unpublished >= 1);
            Assert.InRange(lag.OldestAgeSeconds, 44, 120);
            Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(c => c.Name == "outbox", ct)).Status);

            await using (var conn = new NpgsqlConnection(host.ConnectionString))
                await conn.ExecuteAsync("update outbox_messages set enqueued_at = now() - interval '3 minutes' where message_id = @id", new { id });
            var report = await health.CheckHealthAsync(c => c.Name == "outbox", ct);
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            Assert.Contains("unpublished", report.Entries["outbox"].Description, StringComparison.Ordinal);
        }
        finally
        {
            await using var conn = new NpgsqlConnection(host.ConnectionString);
            await conn.ExecuteAsync("delete from outbox_messages where message_id = @id", new { id });
        }
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(c => c.Name == "outbox", ct)).Status);
    }

    [Fact]
    public async Task Should_delete_published_rows_after_the_retention_and_keep_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        var (old, recent, unsent) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = new NpgsqlConnection(host.ConnectionString))
        {
            await conn.ExecuteAsync(
                """
                insert into outbox_messages (message_id, message_type, body, created_at, next_attempt_at, published_at) values
                    (@old, 'Rewards.Contracts.Ledger.PointsPending', '{}', @longAgo, @longAgo, @longAgo),
                    (@recent, 'Rewards.Contracts.Ledger.PointsPending', '{}', @longAgo, @longAgo, @lately),
                    (@unsent, 'Rewards.Contracts.NoSuchEvent', '{}', @longAgo, @later, null)
                """, new { old, recent, unsent, longAgo = now.AddDays(-30), lately = now.AddDays(-6), later = now.AddDays(1) });
        }

        var job = host.Host.Services.GetServices<IClockJob>().OfType<OutboxCleanupJob>().Single();
        Assert.StartsWith("deleted", (await job.RunAsync(TestContext.Current.CancellationToken)).Summary, StringComparison.Ordinal);

        Assert.Null(await host.OutboxRowAsync(old));
        Assert.NotNull(await host.OutboxRowAsync(recent));
        Assert.NotNull(await host.OutboxRowAsync(unsent));
    }

    [Fact]
    public async Task Should_delete_inbox_rows_after_the_retention_and_keep_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        var (old, recent) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = new NpgsqlConnection(host.ConnectionString))
        {
            await conn.ExecuteAsync(
                """
                insert into inbox_messages (message_id, consumer, message_type, received_at) values
                    (@old, 'RecordingConsumer', 'PointsPending', @longAgo), (@recent, 'RecordingConsumer', 'PointsPending', @lately)
                """, new { old, recent, longAgo = now.AddDays(-31), lately = now.AddDays(-29) });
        }

        var job = host.Host.Services.GetServices<IClockJob>().OfType<InboxCleanupJob>().Single();
        Assert.Equal(new JobResult("deleted 1 inbox rows", 1), await job.RunAsync(TestContext.Current.CancellationToken));

        await using var check = new NpgsqlConnection(host.ConnectionString);
        Assert.Equal([recent], await check.QueryAsync<Guid>(
            "select message_id from inbox_messages where message_id = any(@ids)", new { ids = new[] { old, recent } }));
    }
}
